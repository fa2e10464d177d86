// The WebSocket client's TLS: a wss:// server whose certificate the system's
// CA store does not trust is refused at the handshake (verification is on).
#include "record/ws_client.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <catch2/catch.hpp>

namespace liqdb::record {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A server context with a fresh self-signed certificate for 127.0.0.1.
std::unique_ptr<asio::ssl::context> SelfSignedServer() {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  REQUIRE(key != nullptr);
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"),
                             -1, -1, 0);
  X509_set_issuer_name(cert, name);
  REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);
  REQUIRE(SSL_CTX_use_certificate(ctx->native_handle(), cert) == 1);
  REQUIRE(SSL_CTX_use_PrivateKey(ctx->native_handle(), key) == 1);
  X509_free(cert);
  EVP_PKEY_free(key);
  return ctx;
}

TEST_CASE("record ws client: wss to an untrusted certificate fails verification", "[record]") {
  auto server_ctx = SelfSignedServer();
  asio::io_context server_io;
  tcp::acceptor acceptor(server_io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const unsigned short port = acceptor.local_endpoint().port();
  std::atomic<bool> accepted{false};
  std::thread server([&] {
    boost::system::error_code ec;
    asio::ssl::stream<tcp::socket> s(server_io, *server_ctx);
    acceptor.accept(s.next_layer(), ec);
    accepted = true;
    if (!ec) s.handshake(asio::ssl::stream_base::server, ec);  // fails: the client refuses
  });

  Result<std::unique_ptr<asio::ssl::context>> tls = MakeClientTlsContext();
  REQUIRE(tls.ok());
  asio::io_context io;
  Result<Url> url = ParseUrl("wss://127.0.0.1:" + std::to_string(port) + "/ws");
  REQUIRE(url.ok());
  WsLimits limits;
  limits.connect_timeout = std::chrono::milliseconds(5000);
  auto client = WsClient::Make(io.get_executor(), tls->get(), *url, limits);
  Status result;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { result = co_await client->Connect(); }, asio::detached);
  io.run();
  if (!accepted) {
    // The client failed before connecting: a connection closed at once ends
    // the server's accept and handshake, so the join cannot hang.
    asio::io_context dummy_io;
    tcp::socket dummy(dummy_io);
    boost::system::error_code ec;
    dummy.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  }
  server.join();
  REQUIRE_FALSE(result.ok());
  CHECK_THAT(result.message(),
             Catch::Contains("TLS handshake with 127.0.0.1:" + std::to_string(port) + " failed"));
  CHECK_THAT(result.message(), Catch::Contains("certificate verify failed"));
}

}  // namespace
}  // namespace liqdb::record
