// Resolve, TCP connect and TLS client setup for the recorder's WebSocket and
// HTTP clients (ws_client.h, http_client.h), written once: the client TLS
// context (TLS 1.2 or later, the system's CA store), what the handshake
// checks (SNI and the certificate's DNS name for a host name; no SNI and the
// certificate's IP address for an IP literal, RFC 6066 section 3 allowing
// only host names in SNI), and the time limit of each step.
//
// Thread-safety: ConnectStream is a coroutine on the stream's io_context; the
// rest are pure functions or build new objects.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>  // before awaitable.hpp: Boost 1.74 uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/system/error_code.hpp>

#include "record/url.h"

#include "liqdb/status.h"

namespace liqdb::record {

// An OpenSSL client context verifying peers against the system's CA store
// (the product never passes `extra_ca_pem`); `extra_ca_pem`, PEM
// certificates, is trusted besides, so tests can trust a CA they made.
Result<std::unique_ptr<boost::asio::ssl::context>> MakeClientTlsContext(std::string_view extra_ca_pem = {});

// Whether `host` is an IPv4 or IPv6 address literal ("127.0.0.1", "::1";
// Url::host holds IPv6 without its brackets).
bool IsIpLiteral(const std::string& host);

// What the handshake on `ssl` checks: a host name is sent as SNI and must be
// a DNS name of the certificate; an IP literal is not sent (no SNI) and must
// be an IP address in the certificate's subjectAltName.
Status SetTlsPeer(SSL* ssl, const std::string& host);

// When each step of a connect (resolve, TCP connect, TLS handshake) must end:
// `PerStep(d)`, d (> 0) after the step starts (the WebSocket client); `Until(t)`,
// every step by t (the HTTP client's one limit over the whole exchange).
class StepLimit {
 public:
  using Clock = std::chrono::steady_clock;
  static StepLimit PerStep(std::chrono::milliseconds d) { return StepLimit(d, {}); }
  static StepLimit Until(Clock::time_point t) { return StepLimit({}, t); }
  Clock::time_point Next() const { return per_step_.count() > 0 ? Clock::now() + per_step_ : until_; }

 private:
  StepLimit(std::chrono::milliseconds d, Clock::time_point t) : per_step_(d), until_(t) {}
  std::chrono::milliseconds per_step_;
  Clock::time_point until_;
};

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// Resolves url.host (with `resolver`, which the caller may cancel; shared
// with the time limit's timer) and connects `stream`; the TLS overload then
// sets the peer (SetTlsPeer) and runs the handshake. Non-OK names the host
// and the step ("cannot resolve …", "cannot connect to …", "TLS handshake
// with … failed: …", with the certificate check that failed). The stream's
// own expiry is left at the last step's limit.
boost::asio::awaitable<Status> ConnectStream(boost::beast::tcp_stream& stream,
                                             std::shared_ptr<boost::asio::ip::tcp::resolver> resolver,
                                             const Url& url, StepLimit limit);
boost::asio::awaitable<Status> ConnectStream(TlsStream& stream,
                                             std::shared_ptr<boost::asio::ip::tcp::resolver> resolver,
                                             const Url& url, StepLimit limit);

// `what` and the error; a timeout or a cancel says so ("…: timed out or
// cancelled") rather than Asio's "Operation canceled".
Status NetError(const std::string& what, const boost::system::error_code& ec);

}  // namespace liqdb::record
