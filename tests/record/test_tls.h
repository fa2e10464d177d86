// Certificates made on the spot with OpenSSL, and a one-connection TLS
// server on loopback, for the tests of the recorder's TLS (tls_connect.h):
// a CA the client trusts only when told to (MakeClientTlsContext's extra CA),
// server certificates for a chosen subjectAltName, and a server that records
// the SNI it was sent and answers one HTTP request or WebSocket handshake.
//
// Thread-safety: TlsServer runs its own thread; its accessors are safe once
// Join() returned. Certificates are values.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace liqdb::test {

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

// A self-signed CA certificate (basicConstraints CA:TRUE) with subject CN `cn`.
TestCert MakeCa(const std::string& cn);
// A server certificate signed by `ca` with subjectAltName `san`
// ("DNS:localhost", "IP:127.0.0.1", "IP:::1"), subject CN "liqdb test server".
TestCert MakeServerCert(const TestCert& ca, const std::string& san);

// Serves one TLS connection on `address` (an ephemeral port) with `cert`:
// a WebSocket upgrade is accepted and then closed, any other HTTP request is
// answered 200 "ok".
class TlsServer {
 public:
  TlsServer(const std::string& address, const TestCert& cert);
  ~TlsServer();  // Join()s
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  unsigned short port() const { return endpoint_.port(); }
  // Waits for the connection to end (connecting to itself first when no
  // client came, so a client that failed before connecting cannot hang it).
  void Join();
  bool handshake_ok() const { return handshake_ok_; }
  // The SNI host name the client sent; "" when none (as for an IP literal).
  std::string sni() const { return sni_; }

 private:
  std::unique_ptr<boost::asio::ssl::context> ctx_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::atomic<bool> accepted_{false};
  bool handshake_ok_ = false;
  std::string sni_;
  std::thread thread_;
};

}  // namespace liqdb::test
