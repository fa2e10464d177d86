// The clients' TLS checks (tls_connect.h) against loopback servers whose
// certificates were made here, signed by a CA the client trusts as its extra
// CA: a certificate for another name fails naming the host; one for the host
// name, or with the IP literal in its subjectAltName, passes, over both the
// WebSocket and the HTTP client; an IP literal is not sent as SNI.
#include "record/tls_connect.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "record/http_client.h"
#include "record/test_tls.h"
#include "record/ws_client.h"

namespace liqdb::record {
namespace {

namespace asio = boost::asio;
using test::MakeCa;
using test::MakeServerCert;
using test::TestCert;
using test::TlsServer;

std::unique_ptr<asio::ssl::context> TrustingClient(const TestCert& ca) {
  Result<std::unique_ptr<asio::ssl::context>> tls = MakeClientTlsContext(ca.cert_pem);
  INFO(tls.status().ToString());
  REQUIRE(tls.ok());
  return std::move(*tls);
}

// The WebSocket client's Connect to `url` (TLS and WebSocket handshakes).
Status WsConnect(asio::ssl::context* tls, const std::string& url) {
  Result<Url> u = ParseUrl(url);
  REQUIRE(u.ok());
  asio::io_context io;
  WsLimits limits;
  limits.connect_timeout = std::chrono::milliseconds(5000);
  auto client = WsClient::Make(io.get_executor(), tls, *u, limits);
  Status result;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { result = co_await client->Connect(); }, asio::detached);
  io.run();
  return result;
}

// One GET of `url` with the HTTP client.
Status Get(asio::ssl::context* tls, const std::string& url, HttpResponse* res) {
  HttpRequest req;
  Result<Url> u = ParseUrl(url);
  REQUIRE(u.ok());
  req.url = *u;
  req.timeout = std::chrono::milliseconds(5000);
  asio::io_context io;
  Status result;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { result = co_await Fetch(io.get_executor(), tls, req, res); },
      asio::detached);
  io.run();
  return result;
}

std::string Port(const TlsServer& s) {
  return std::to_string(s.port());
}

TEST_CASE("record tls: IP literals are told apart from host names", "[record]") {
  CHECK(IsIpLiteral("127.0.0.1"));
  CHECK(IsIpLiteral("::1"));
  CHECK(IsIpLiteral("2001:db8::7"));
  CHECK_FALSE(IsIpLiteral("localhost"));
  CHECK_FALSE(IsIpLiteral("fstream.binance.com"));
  CHECK_FALSE(IsIpLiteral("127.0.0"));
  CHECK_FALSE(IsIpLiteral("[::1]"));  // Url::host holds IPv6 without brackets
}

TEST_CASE("record tls: an extra CA that is not PEM fails at set-up", "[record]") {
  Result<std::unique_ptr<asio::ssl::context>> tls = MakeClientTlsContext("not a certificate");
  REQUIRE_FALSE(tls.ok());
  CHECK_THAT(tls.status().message(), Catch::Contains("cannot add the extra CA certificates"));
}

TEST_CASE("record tls: a certificate for another host name fails, naming the host", "[record]") {
  const TestCert ca = MakeCa("liqdb test CA");
  auto tls = TrustingClient(ca);
  TlsServer server("127.0.0.1", MakeServerCert(ca, "DNS:other.example"));
  const Status s = WsConnect(tls.get(), "wss://localhost:" + Port(server) + "/ws");
  server.Join();
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("TLS handshake with localhost:" + Port(server) + " failed"));
  CHECK_THAT(s.message(), Catch::Contains("the certificate is not for localhost (hostname mismatch)"));
  CHECK_FALSE(server.handshake_ok());
  CHECK(server.sni() == "localhost");
}

TEST_CASE("record tls: a certificate without the IP literal connected to fails, naming it", "[record]") {
  const TestCert ca = MakeCa("liqdb test CA");
  auto tls = TrustingClient(ca);
  // The name resolves to the address, but an IP literal is matched against
  // the certificate's IP addresses only.
  TlsServer server("127.0.0.1", MakeServerCert(ca, "DNS:localhost"));
  HttpResponse res;
  const Status s = Get(tls.get(), "https://127.0.0.1:" + Port(server) + "/x", &res);
  server.Join();
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("TLS handshake with 127.0.0.1:" + Port(server) + " failed"));
  CHECK_THAT(s.message(), Catch::Contains("the certificate is not for 127.0.0.1 (IP address mismatch)"));
}

TEST_CASE("record tls: the right host name passes, with SNI, over WebSocket and HTTP", "[record]") {
  const TestCert ca = MakeCa("liqdb test CA");
  auto tls = TrustingClient(ca);
  const TestCert cert = MakeServerCert(ca, "DNS:localhost");
  {
    TlsServer server("127.0.0.1", cert);
    const Status s = WsConnect(tls.get(), "wss://localhost:" + Port(server) + "/ws");
    server.Join();
    INFO(s.ToString());
    CHECK(s.ok());
    CHECK(server.handshake_ok());
    CHECK(server.sni() == "localhost");
  }
  {
    TlsServer server("127.0.0.1", cert);
    HttpResponse res;
    const Status s = Get(tls.get(), "https://localhost:" + Port(server) + "/x", &res);
    server.Join();
    INFO(s.ToString());
    CHECK(s.ok());
    CHECK(res.body == "ok");
    CHECK(server.sni() == "localhost");
  }
}

TEST_CASE("record tls: the system CA store alone does not trust the test CA", "[record]") {
  // The product's context (no extra CA) refuses the same server: the pass
  // above came from the extra CA, not from verification being off.
  const TestCert ca = MakeCa("liqdb test CA");
  Result<std::unique_ptr<asio::ssl::context>> tls = MakeClientTlsContext();
  REQUIRE(tls.ok());
  TlsServer server("127.0.0.1", MakeServerCert(ca, "DNS:localhost"));
  const Status s = WsConnect(tls->get(), "wss://localhost:" + Port(server) + "/ws");
  server.Join();
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("unable to get local issuer certificate"));
}

// Containers may run without IPv6, even on loopback.
bool HasIpv6Loopback() {
  asio::io_context io;
  boost::system::error_code ec;
  asio::ip::tcp::acceptor a(io);
  a.open(asio::ip::tcp::v6(), ec);
  if (!ec) a.bind(asio::ip::tcp::endpoint(asio::ip::make_address("::1"), 0), ec);
  return !ec;
}

TEST_CASE("record tls: an IP literal in subjectAltName passes, and no SNI is sent", "[record]") {
  const TestCert ca = MakeCa("liqdb test CA");
  auto tls = TrustingClient(ca);
  {
    TlsServer server("127.0.0.1", MakeServerCert(ca, "IP:127.0.0.1"));
    const Status s = WsConnect(tls.get(), "wss://127.0.0.1:" + Port(server) + "/ws");
    server.Join();
    INFO(s.ToString());
    CHECK(s.ok());
    CHECK(server.handshake_ok());
    CHECK(server.sni().empty());
  }
  if (!HasIpv6Loopback()) {
    WARN("this machine has no IPv6 loopback (::1): the IPv6 literal case is skipped");
  } else {
    // IPv6, bracketed in the URL ([::1]:port), bare in the certificate check.
    TlsServer server("::1", MakeServerCert(ca, "IP:::1"));
    HttpResponse res;
    const Status s = Get(tls.get(), "https://[::1]:" + Port(server) + "/x", &res);
    server.Join();
    INFO(s.ToString());
    CHECK(s.ok());
    CHECK(res.body == "ok");
    CHECK(server.sni().empty());
  }
}

}  // namespace
}  // namespace liqdb::record
