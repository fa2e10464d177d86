// HTTP requests on Boost.Beast (http_client.h).
#include "record/http_client.h"

#include <openssl/ssl.h>

#include <memory>
#include <type_traits>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "liqdb/version.h"

namespace liqdb::record {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

Status Fail(const std::string& what, const error_code& ec) {
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
    return Status::IOError(what + ": timed out");
  }
  return Status::IOError(what + ": " + ec.message());
}

template <class Stream>
asio::awaitable<Status> Exchange(Stream& stream, const HttpRequest& r, HttpResponse* out) {
  constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  error_code ec;
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  const std::string where = r.url.ToString();

  // The resolver has no time limit of its own: a timer cancels it (the
  // handler shares the resolver, so either may finish first).
  auto resolver = std::make_shared<tcp::resolver>(tcp.get_executor());
  asio::steady_timer timer(tcp.get_executor());
  timer.expires_after(r.timeout);
  timer.async_wait([resolver](const error_code& e) {
    if (!e) resolver->cancel();
  });
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
  tcp::resolver::results_type endpoints =
      co_await resolver->async_resolve(r.url.host, r.url.port, asio::redirect_error(asio::use_awaitable, ec));
  timer.cancel();
  if (ec) co_return Fail("cannot resolve " + r.url.host, ec);

  tcp.expires_after(r.timeout);  // one limit over connect, handshake, request and response
  co_await tcp.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Fail("cannot connect to " + r.url.HostHeader(), ec);
  if constexpr (kTls) {
    SSL* h = stream.native_handle();
    if (!SSL_set_tlsext_host_name(h, r.url.host.c_str()) || !SSL_set1_host(h, r.url.host.c_str())) {
      co_return Status::IOError("TLS setup failed for " + r.url.host);
    }
    co_await stream.async_handshake(asio::ssl::stream_base::client,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Fail("TLS handshake with " + r.url.HostHeader() + " failed", ec);
  }

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
  if (ec) co_return Fail(r.method + " " + where, ec);

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
  if (ec) co_return Fail(r.method + " " + where, ec);
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
