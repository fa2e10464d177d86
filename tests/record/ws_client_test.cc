// The WebSocket client's TLS: a wss:// server whose certificate the system's
// CA store does not trust is refused at the handshake (verification is on).
// The host-name and IP checks are in tls_connect_test.cc.
#include "record/ws_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "record/test_tls.h"

namespace liqdb::record {
namespace {

namespace asio = boost::asio;

TEST_CASE("record ws client: wss to an untrusted certificate fails verification", "[record]") {
  // A self-signed certificate (a CA's own) with the address it is served on.
  test::TlsServer server("127.0.0.1", test::MakeCa("127.0.0.1"));
  const std::string port = std::to_string(server.port());

  Result<std::unique_ptr<asio::ssl::context>> tls = MakeClientTlsContext();
  REQUIRE(tls.ok());
  asio::io_context io;
  Result<Url> url = ParseUrl("wss://127.0.0.1:" + port + "/ws");
  REQUIRE(url.ok());
  WsLimits limits;
  limits.connect_timeout = std::chrono::milliseconds(5000);
  auto client = WsClient::Make(io.get_executor(), tls->get(), *url, limits);
  Status result;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { result = co_await client->Connect(); }, asio::detached);
  io.run();
  server.Join();
  REQUIRE_FALSE(result.ok());
  CHECK_THAT(result.message(), Catch::Contains("TLS handshake with 127.0.0.1:" + port + " failed"));
  CHECK_THAT(result.message(), Catch::Contains("certificate verify failed"));
  CHECK_THAT(result.message(), Catch::Contains("self-signed certificate"));
  CHECK_FALSE(server.handshake_ok());
}

}  // namespace
}  // namespace liqdb::record
