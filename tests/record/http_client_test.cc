// The REST client on loopback: GET and POST reach the server as sent; HTTP
// errors, oversized bodies and a server that never answers fail with a
// Status naming what happened.
#include "record/http_client.h"

#include <atomic>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

namespace liqdb::record {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Answers one request per connection, `n` connections, on its own thread:
// 200 echoing "METHOD TARGET BODY", or per target: /500 -> 500, /big -> a
// 100 kB body, /silent -> reads and never answers.
class HttpServer {
 public:
  explicit HttpServer(int n) : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, n] {
      for (int i = 0; i < n; ++i) {
        boost::system::error_code ec;
        tcp::socket s(io_);
        acceptor_.accept(s, ec);
        if (ec) break;  // done_ below: the destructor must not wait for it
        beast::flat_buffer buf;
        http::request<http::string_body> req;
        http::read(s, buf, req, ec);
        if (ec) continue;
        const std::string target(req.target());
        if (target == "/silent") {
          // Holds the connection until the client gives up.
          char c;
          s.read_some(asio::buffer(&c, 1), ec);
          continue;
        }
        http::response<http::string_body> res{
            target == "/500" ? http::status::internal_server_error : http::status::ok, 11};
        res.body() = target == "/big" ? std::string(100'000, 'x')
                                      : std::string(req.method_string()) + " " + target + " " + req.body();
        res.prepare_payload();
        http::write(s, res, ec);
      }
      done_ = true;
    });
  }
  ~HttpServer() {
    // A failed check may leave connections unmade: make them, so accept returns.
    while (!done_) {
      asio::io_context io;
      tcp::socket s(io);
      boost::system::error_code ec;
      s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    thread_.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

Status Run(HttpRequest req, HttpResponse* out) {
  asio::io_context io;
  Status result;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { result = co_await Fetch(io.get_executor(), nullptr, req, out); },
      asio::detached);
  io.run();
  return result;
}

TEST_CASE("record http client: GET, POST, HTTP errors, body limit, timeout", "[record]") {
  HttpServer server(5);
  HttpRequest get;
  get.url = *ParseUrl(server.base() + "/fapi/v1/openInterest?symbol=BTCUSDT");
  HttpResponse res;
  Status s = Run(get, &res);
  REQUIRE(s.ok());
  CHECK(res.status == 200);
  CHECK(res.body == "GET /fapi/v1/openInterest?symbol=BTCUSDT ");

  HttpRequest post;
  post.method = "POST";
  post.url = *ParseUrl(server.base() + "/info");
  post.body = R"({"type":"metaAndAssetCtxs"})";
  s = Run(post, &res);
  REQUIRE(s.ok());
  CHECK(res.body == R"(POST /info {"type":"metaAndAssetCtxs"})");

  HttpRequest e500 = get;
  e500.url = *ParseUrl(server.base() + "/500");
  s = Run(e500, &res);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("HTTP 500"));

  HttpRequest big = get;
  big.url = *ParseUrl(server.base() + "/big");
  big.max_body_bytes = 10'000;
  s = Run(big, &res);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("response larger than 10000 bytes"));

  HttpRequest silent = get;
  silent.url = *ParseUrl(server.base() + "/silent");
  silent.timeout = std::chrono::milliseconds(200);
  const auto t0 = std::chrono::steady_clock::now();
  s = Run(silent, &res);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("timed out"));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
}

TEST_CASE("record http client: a request in flight ends at once when cancelled", "[record]") {
  HttpServer server(1);
  HttpRequest silent;
  silent.url = *ParseUrl(server.base() + "/silent");
  silent.timeout = std::chrono::milliseconds(20'000);
  silent.cancel = std::make_shared<std::function<void()>>();
  asio::io_context io;
  Status result;
  HttpResponse res;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> { result = co_await Fetch(io.get_executor(), nullptr, silent, &res); },
      asio::detached);
  asio::steady_timer t(io, std::chrono::milliseconds(100));
  t.async_wait([&](const boost::system::error_code&) {
    REQUIRE(*silent.cancel);  // set while the request runs
    (*silent.cancel)();
  });
  const auto t0 = std::chrono::steady_clock::now();
  io.run();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
  CHECK_FALSE(result.ok());
  CHECK_FALSE(*silent.cancel);  // reset when Fetch returned
}

}  // namespace
}  // namespace liqdb::record
