// One HTTP/1.1 request over Boost.Beast, for the venues' REST polls (Binance
// open interest, Hyperliquid POST /info): http:// or https:// verified like
// ws_client.h (tls_connect.h: system CA store, SNI, host name or IP), one
// time limit over the whole exchange (resolve included), a limit on the
// response body. Every Boost error becomes a Status; nothing throws.
//
// Thread-safety: a coroutine on the caller's io_context; `tls` must outlive it.
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

#include "record/url.h"

#include "liqdb/status.h"

namespace liqdb::record {

struct HttpRequest {
  std::string method = "GET";  // "GET" or "POST"
  Url url;
  std::string body;  // POST: sent as application/json
  std::chrono::milliseconds timeout{10'000};
  size_t max_body_bytes = 4 << 20;
  // Set by Fetch while it runs to a function that ends it at once (closing
  // its socket), reset before it returns; call it on the same io_context.
  std::shared_ptr<std::function<void()>> cancel;
};

struct HttpResponse {
  unsigned status = 0;
  std::string body;
};

// Non-OK for a transport failure, a timeout, a body over the limit, or a
// status other than 2xx (the message names the status and the start of the
// body); `out` holds what arrived.
boost::asio::awaitable<Status> Fetch(boost::asio::any_io_executor ex, boost::asio::ssl::context* tls,
                                     HttpRequest request, HttpResponse* out);

}  // namespace liqdb::record
