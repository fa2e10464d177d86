// HTTP requests on Boost.Beast (http_client.h).
#include "record/http_client.h"

#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "record/tls_connect.h"

#include "liqdb/version.h"

namespace liqdb::record {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

template <class Stream>
asio::awaitable<Status> Exchange(Stream& stream, const HttpRequest& r, HttpResponse* out) {
  error_code ec;
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  const std::string where = r.url.ToString();

  // One limit over resolve, connect, handshake, request and response.
  const auto deadline = std::chrono::steady_clock::now() + r.timeout;
  auto resolver = std::make_shared<tcp::resolver>(tcp.get_executor());
  if (r.cancel) {
    *r.cancel = [resolver, &tcp] {
      error_code ignored;
      resolver->cancel();
      tcp.socket().close(ignored);
    };
  }
  struct Reset {  // the function above refers to this frame: gone with it
    std::shared_ptr<std::function<void()>> c;
    ~Reset() {
      if (c) *c = nullptr;
    }
  } reset{r.cancel};
  Status connected = co_await ConnectStream(stream, resolver, r.url, StepLimit::Until(deadline));
  if (!connected.ok()) co_return connected;
  tcp.expires_at(deadline);

  http::request<http::string_body> req{r.method == "POST" ? http::verb::post : http::verb::get, r.url.target,
                                       11};
  req.set(http::field::host, r.url.HostHeader());
  req.set(http::field::user_agent, std::string("liqdb-record/") + kVersion);
  req.set(http::field::accept, "application/json");
  if (r.method == "POST") {
    req.set(http::field::content_type, "application/json");
    req.body() = r.body;
  }
  req.prepare_payload();
  co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return NetError(r.method + " " + where, ec);

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(r.max_body_bytes);
  // The declared length is checked here too: Beast 1.74's async_read did not
  // apply body_limit to a Content-Length body (seen in the loopback test).
  const std::string too_big =
      r.method + " " + where + ": response larger than " + std::to_string(r.max_body_bytes) + " bytes";
  co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec && parser.content_length() && *parser.content_length() > r.max_body_bytes) {
    co_return Status::InvalidArgument(too_big);
  }
  if (!ec) co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec && parser.get().body().size() > r.max_body_bytes) co_return Status::InvalidArgument(too_big);
  if (ec == http::error::body_limit) {
    co_return Status::InvalidArgument(too_big);
  }
  if (ec) co_return NetError(r.method + " " + where, ec);
  out->status = parser.get().result_int();
  out->body = std::move(parser.get().body());
  // Best effort: the exchange is complete either way.
  error_code ignored;
  tcp.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (out->status < 200 || out->status >= 300) {
    co_return Status::IOError(r.method + " " + where + ": HTTP " + std::to_string(out->status) + ": " +
                              out->body.substr(0, 100));
  }
  co_return Status::OK();
}

}  // namespace

asio::awaitable<Status> Fetch(asio::any_io_executor ex, asio::ssl::context* tls, HttpRequest request,
                              HttpResponse* out) {
  if (request.url.tls()) {
    beast::ssl_stream<beast::tcp_stream> stream(ex, *tls);
    co_return co_await Exchange(stream, request, out);
  }
  beast::tcp_stream stream(ex);
  co_return co_await Exchange(stream, request, out);
}

}  // namespace liqdb::record
