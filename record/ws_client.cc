// WebSocket client connections on Boost.Beast (ws_client.h).
#include "record/ws_client.h"

#include <type_traits>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "record/tls_connect.h"

#include "liqdb/version.h"

namespace liqdb::record {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

template <class Ws>
class WsImpl final : public WsClient {
  static constexpr bool kTls = std::is_same_v<Ws, TlsWs>;

 public:
  WsImpl(const asio::any_io_executor& ex, ssl::context* tls, Url url, WsLimits limits)
      : ws_(MakeStream(ex, tls)),
        resolver_(std::make_shared<tcp::resolver>(ex)),
        url_(std::move(url)),
        limits_(limits) {}

  asio::awaitable<Status> Connect() override {
    Status s = co_await ConnectStream(ws_.next_layer(), resolver_, url_,
                                      StepLimit::PerStep(limits_.connect_timeout));
    if (!s.ok()) co_return s;
    beast::tcp_stream& tcp = beast::get_lowest_layer(ws_);
    error_code ec;

    // From here Beast's own WebSocket timeouts apply.
    tcp.expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = limits_.connect_timeout;
    t.idle_timeout = limits_.idle_timeout;
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, std::string("liqdb-record/") + kVersion);
    }));
    ws_.read_message_max(limits_.max_message_bytes);
    ws_.control_callback([this](websocket::frame_type, beast::string_view) {
      if (on_control_) on_control_();
    });
    co_await ws_.async_handshake(url_.HostHeader(), url_.target,
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return NetError("WebSocket handshake with " + url_.ToString() + " failed", ec);
    ws_.text(true);
    co_return Status::OK();
  }

  asio::awaitable<Status> Read(std::string* message) override {
    error_code ec;
    buffer_.clear();
    co_await ws_.async_read(buffer_, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == websocket::error::message_too_big) {
        too_big_ = true;
        co_return Status::InvalidArgument("a message larger than " +
                                          std::to_string(limits_.max_message_bytes) + " bytes");
      }
      if (ec == websocket::error::closed) {
        const websocket::close_reason& r = ws_.reason();
        co_return Status::IOError("closed by the server (" + std::to_string(r.code) +
                                  (r.reason.empty() ? "" : " " + std::string(r.reason.c_str())) + ")");
      }
      if (ec == beast::error::timeout) {
        co_return Status::IOError("no data for " + std::to_string(limits_.idle_timeout.count()) +
                                  " ms (stalled)");
      }
      co_return NetError("read failed", ec);
    }
    const auto data = buffer_.data();
    message->assign(static_cast<const char*>(data.data()), data.size());
    co_return Status::OK();
  }

  asio::awaitable<Status> Write(std::string message) override {
    error_code ec;
    co_await ws_.async_write(asio::buffer(message), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return NetError("write failed", ec);
    co_return Status::OK();
  }

  void Cancel() override {
    error_code ec;
    resolver_->cancel();
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

 private:
  static Ws MakeStream(const asio::any_io_executor& ex, ssl::context* tls) {
    if constexpr (kTls) {
      return Ws(ex, *tls);
    } else {
      (void)tls;
      return Ws(ex);
    }
  }

  Ws ws_;
  std::shared_ptr<tcp::resolver> resolver_;  // shared with ConnectStream's time limit
  beast::flat_buffer buffer_;
  Url url_;
  WsLimits limits_;
};

}  // namespace

std::shared_ptr<WsClient> WsClient::Make(const asio::any_io_executor& ex, ssl::context* tls, Url url,
                                         WsLimits limits) {
  if (url.tls()) return std::make_shared<WsImpl<TlsWs>>(ex, tls, std::move(url), limits);
  return std::make_shared<WsImpl<PlainWs>>(ex, tls, std::move(url), limits);
}

}  // namespace liqdb::record
