// One WebSocket client connection over Boost.Beast: plain ws:// (tests,
// proxies) or wss:// with OpenSSL, verified against the system's CA store
// (SNI and host-name or IP checks, tls_connect.h), with time limits on every
// step.
//
// Operations are C++20 coroutines on the caller's io_context. Every Boost
// error_code is turned into a Status here, so nothing above sees one; no
// operation throws (they use redirect_error).
//
// Thread-safety: one io_context thread; at most one Read and one Write
// outstanding at a time (Beast's rule). Ownership: make it with Make() and
// keep the shared_ptr for as long as operations are pending.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>  // before awaitable.hpp: Boost 1.74 uses std::exchange without it

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include "record/tls_connect.h"  // MakeClientTlsContext
#include "record/url.h"

#include "liqdb/status.h"

namespace liqdb::record {

struct WsLimits {
  std::chrono::milliseconds connect_timeout{10'000};  // each of resolve, TCP, TLS, WebSocket handshakes
  std::chrono::milliseconds idle_timeout{60'000};     // nothing received: ping, then give up
  size_t max_message_bytes = 4 << 20;
};

class WsClient {
 public:
  // `tls` is used for wss:// URLs and must outlive the client.
  static std::shared_ptr<WsClient> Make(const boost::asio::any_io_executor& ex,
                                        boost::asio::ssl::context* tls, Url url, WsLimits limits);
  virtual ~WsClient() = default;

  // Resolves, connects, runs the TLS and WebSocket handshakes.
  virtual boost::asio::awaitable<Status> Connect() = 0;
  // One whole message. Non-OK ends the connection; the message says why
  // ("closed by the server (1000 bye)", "no data for 60 s", ...).
  virtual boost::asio::awaitable<Status> Read(std::string* message) = 0;
  // One text message.
  virtual boost::asio::awaitable<Status> Write(std::string message) = 0;
  // Closes the socket now; pending operations complete with an error.
  virtual void Cancel() = 0;

  // Whether the last failed Read was a message over max_message_bytes.
  bool too_big() const { return too_big_; }
  // Called for every control frame received (ping, pong, close).
  void set_on_control(std::function<void()> f) { on_control_ = std::move(f); }

 protected:
  bool too_big_ = false;
  std::function<void()> on_control_;
};

}  // namespace liqdb::record
