// Resolve, connect and TLS client setup (tls_connect.h).
#include "record/tls_connect.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

namespace liqdb::record {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

Result<std::unique_ptr<ssl::context>> MakeClientTlsContext(std::string_view extra_ca_pem) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (!ec) ctx->set_default_verify_paths(ec);
  if (!ec) ctx->set_verify_mode(ssl::verify_peer, ec);
  if (ec) return Status::IOError("cannot set up TLS with the system's CA store: " + ec.message());
  if (!extra_ca_pem.empty()) {
    ctx->add_certificate_authority(asio::buffer(extra_ca_pem.data(), extra_ca_pem.size()), ec);
    if (ec) return Status::InvalidArgument("cannot add the extra CA certificates: " + ec.message());
  }
  return ctx;
}

bool IsIpLiteral(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

Status SetTlsPeer(SSL* ssl, const std::string& host) {
  if (IsIpLiteral(host)) {
    // SSL_set1_host would look for a DNS name "127.0.0.1"; an IP literal is
    // matched against the certificate's IP addresses, and never sent as SNI.
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1) {
      return Status::IOError("TLS setup failed for " + host + ": not an IP address OpenSSL can check");
    }
    return Status::OK();
  }
  if (!SSL_set_tlsext_host_name(ssl, host.c_str()) || !SSL_set1_host(ssl, host.c_str())) {
    return Status::IOError("TLS setup failed for " + host);
  }
  return Status::OK();
}

Status NetError(const std::string& what, const error_code& ec) {
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
    return Status::IOError(what + ": timed out or cancelled");
  }
  return Status::IOError(what + ": " + ec.message());
}

asio::awaitable<Status> ConnectStream(beast::tcp_stream& stream, std::shared_ptr<tcp::resolver> resolver,
                                      const Url& url, StepLimit limit) {
  error_code ec;
  // The resolver has no time limit of its own: a timer cancels it (the
  // handler shares the resolver, so either may finish first).
  asio::steady_timer timer(stream.get_executor());
  timer.expires_at(limit.Next());
  timer.async_wait([resolver](const error_code& e) {
    if (!e) resolver->cancel();
  });
  tcp::resolver::results_type endpoints =
      co_await resolver->async_resolve(url.host, url.port, asio::redirect_error(asio::use_awaitable, ec));
  timer.cancel();
  if (ec) co_return NetError("cannot resolve " + url.host, ec);

  stream.expires_at(limit.Next());
  co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return NetError("cannot connect to " + url.HostHeader(), ec);
  stream.socket().set_option(tcp::no_delay(true), ec);  // small messages: no Nagle delay
  co_return Status::OK();
}

asio::awaitable<Status> ConnectStream(TlsStream& stream, std::shared_ptr<tcp::resolver> resolver,
                                      const Url& url, StepLimit limit) {
  beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
  Status s = co_await ConnectStream(tcp, std::move(resolver), url, limit);
  if (!s.ok()) co_return s;
  s = SetTlsPeer(stream.native_handle(), url.host);
  if (!s.ok()) co_return s;
  error_code ec;
  tcp.expires_at(limit.Next());
  co_await stream.async_handshake(ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    const std::string what = "TLS handshake with " + url.HostHeader() + " failed";
    // OpenSSL's error says only "certificate verify failed"; the check that
    // failed is in the verify result.
    const long v = SSL_get_verify_result(stream.native_handle());
    if (v == X509_V_OK) co_return NetError(what, ec);
    std::string why = X509_verify_cert_error_string(v);
    if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      why = "the certificate is not for " + url.host + " (" + why + ")";
    }
    co_return Status::IOError(what + ": " + ec.message() + ": " + why);
  }
  co_return Status::OK();
}

}  // namespace liqdb::record
