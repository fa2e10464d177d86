// The recorder tests' venue on loopback (loopback_server.h), on Boost.Beast.
#include "record/loopback_server.h"

#include <cctype>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace liqdb::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;

Step Send(std::string text) {
  Step s;
  s.type = Step::Type::kSend;
  s.text = std::move(text);
  return s;
}
Step SendBytes(size_t n) {
  Step s;
  s.type = Step::Type::kSendBytes;
  s.bytes = n;
  return s;
}
Step WaitSubscribed() {
  Step s;
  s.type = Step::Type::kWaitSubscribed;
  return s;
}
Step Drop() {
  Step s;
  s.type = Step::Type::kDrop;
  return s;
}
Step Stall() {
  Step s;
  s.type = Step::Type::kStall;
  return s;
}
Step Reset() {
  Step s;
  s.type = Step::Type::kReset;
  return s;
}
Step Pause(size_t ms) {
  Step s;
  s.type = Step::Type::kPause;
  s.bytes = ms;
  return s;
}

namespace {

bool Contains(const std::string& s, const char* part) {
  return s.find(part) != std::string::npos;
}

// Binance's combined streams (/stream?streams=a/b, on USDⓈ-M under /market)
// wrap each event: "Combined stream events are wrapped as follows:
// {"stream":"<streamName>","data":<rawPayload>}", stream names in lowercase
// (https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams;
// documentation only, no live Binance connection was made). The raw streams
// under /ws/ send the bare event. Returns what follows the symbol in the
// target's first stream name ("forceOrder", "markPrice@1s"), or "" when the
// target is not a combined stream.
std::string CombinedStreamSuffix(const std::string& venue, const std::string& target) {
  const size_t q = target.find("/stream?streams=");
  if (venue != "binance" || q == std::string::npos) return "";
  const std::string first = target.substr(q + 16, target.find('/', q + 16) - (q + 16));
  const size_t at = first.find('@');
  return at == std::string::npos ? "" : first.substr(at + 1);
}

// `event` as a combined stream sends it, named after its symbol (the first
// "s", the order's for forceOrder). A frame that is not a bare event (already
// wrapped, malformed on purpose, an array) is sent as scripted.
std::string WrapCombined(const std::string& event, const std::string& suffix) {
  if (suffix.empty() || event.empty() || event[0] != '{' || event.rfind(R"({"stream":)", 0) == 0 ||
      !Contains(event, R"("e":")")) {
    return event;
  }
  const size_t s = event.find(R"("s":")");
  if (s == std::string::npos) return event;
  const size_t end = event.find('"', s + 5);
  std::string symbol = event.substr(s + 5, end - (s + 5));
  for (char& ch : symbol) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return R"({"stream":")" + symbol + "@" + suffix + R"(","data":)" + event + "}";
}

// One client connection: a reader answering the client, a writer playing the
// script; writes go through one queue (Beast allows one write at a time).
struct Conn : std::enable_shared_from_this<Conn> {
  explicit Conn(tcp::socket s) : ws(std::move(s)), timer(ws.get_executor()) {}
  websocket::stream<beast::tcp_stream> ws;
  std::string combined;      // CombinedStreamSuffix of the handshake's target
  asio::steady_timer timer;  // wakes the writer
  std::deque<std::string> out;
  bool writing = false;
  bool subscribed = false;
  bool stalled = false;
  bool dead = false;
};

}  // namespace

struct LoopbackServer::State {
  std::string venue;
  std::vector<Script> scripts;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;
  unsigned short port = 0;
  std::atomic<int> connections{0}, scripts_done{0}, pings{0}, http_requests{0};
  std::map<std::string, std::string> http;  // target -> body (set before clients connect)
  mutable std::mutex mu;
  std::vector<std::string> received, targets, sent;
  std::vector<std::shared_ptr<Conn>> conns;

  // Answers what the venue answers.
  void Answer(const std::shared_ptr<Conn>& c, const std::string& m) {
    if (venue == "bybit") {
      if (Contains(m, "\"op\":\"subscribe\"")) {
        c->out.push_back(
            R"({"success":true,"ret_msg":"","conn_id":"loopback","req_id":"1","op":"subscribe"})");
        c->subscribed = true;
      } else if (Contains(m, "\"op\":\"ping\"")) {
        ++pings;
        c->out.push_back(R"({"success":true,"ret_msg":"pong","conn_id":"loopback","op":"ping"})");
      }
    } else if (venue == "okx") {
      if (m == "ping") {
        ++pings;
        c->out.push_back("pong");
      } else if (Contains(m, "\"op\":\"subscribe\"")) {
        c->out.push_back(
            R"({"event":"subscribe","arg":{"channel":"liquidation-orders","instType":"SWAP"},"connId":"loopback"})");
        c->out.push_back(
            R"({"event":"subscribe","arg":{"channel":"liquidation-orders","instType":"FUTURES"},"connId":"loopback"})");
        c->subscribed = true;
      }
    } else if (venue == "hyperliquid") {
      if (Contains(m, "\"method\":\"ping\"")) {
        ++pings;
        c->out.push_back(R"({"channel":"pong"})");
      }
    }
  }

  asio::awaitable<void> Writer(std::shared_ptr<Conn> c, const Script* script) {
    size_t i = 0;
    while (!c->dead) {
      // Drain the queue first, so acks precede the script's next step.
      while (!c->out.empty() && !c->dead && !c->stalled) {
        std::string m = std::move(c->out.front());
        c->out.pop_front();
        error_code ec;
        co_await c->ws.async_write(asio::buffer(m), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
          c->dead = true;
        } else {
          std::lock_guard<std::mutex> lock(mu);
          sent.push_back(std::move(m));
        }
      }
      if (c->dead || c->stalled) break;
      bool wait = false;
      if (script != nullptr && i < script->size()) {
        const Step& s = (*script)[i];
        switch (s.type) {
          case Step::Type::kWaitSubscribed:
            if (c->subscribed || venue == "binance") {
              ++i;
            } else {
              wait = true;
            }
            break;
          case Step::Type::kSend:
            c->out.push_back(WrapCombined(s.text, c->combined));
            ++i;
            break;
          case Step::Type::kSendBytes:
            c->out.push_back(std::string(s.bytes, 'x'));
            ++i;
            break;
          case Step::Type::kPause: {
            ++i;
            c->timer.expires_after(std::chrono::milliseconds(s.bytes));
            error_code ec;
            co_await c->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            break;
          }
          case Step::Type::kDrop: {
            ++i;
            ++scripts_done;
            error_code ec;
            beast::get_lowest_layer(c->ws).socket().shutdown(tcp::socket::shutdown_send, ec);
            // Closing at once could reset the connection before the client
            // read what was sent.
            c->timer.expires_after(std::chrono::milliseconds(100));
            co_await c->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            c->dead = true;
            beast::get_lowest_layer(c->ws).socket().close(ec);
            co_return;
          }
          case Step::Type::kReset: {
            ++i;
            ++scripts_done;
            error_code ec;
            auto& sock = beast::get_lowest_layer(c->ws).socket();
            sock.set_option(asio::socket_base::linger(true, 0), ec);
            c->dead = true;
            sock.close(ec);
            co_return;
          }
          case Step::Type::kStall: {
            ++i;
            ++scripts_done;
            c->stalled = true;
            error_code ec;
            // Cancels the pending read too: no more automatic pongs.
            beast::get_lowest_layer(c->ws).socket().cancel(ec);
            co_return;
          }
        }
        if (script != nullptr && i == script->size()) ++scripts_done;
      } else {
        wait = true;
      }
      if (wait) {
        c->timer.expires_after(std::chrono::milliseconds(5));
        error_code ec;
        co_await c->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
    }
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    auto c = std::make_shared<Conn>(std::move(socket));
    error_code ec;
    beast::flat_buffer buf;
    beast::http::request<beast::http::string_body> req;
    co_await beast::http::async_read(c->ws.next_layer(), buf, req,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    if (!websocket::is_upgrade(req)) {  // a REST poll
      ++http_requests;
      auto it = http.find(std::string(req.target()));
      beast::http::response<beast::http::string_body> res{
          it == http.end() ? beast::http::status::not_found : beast::http::status::ok, req.version()};
      res.body() = it == http.end() ? "{}" : it->second;
      res.keep_alive(false);
      res.prepare_payload();
      co_await beast::http::async_write(c->ws.next_layer(), res,
                                        asio::redirect_error(asio::use_awaitable, ec));
      beast::get_lowest_layer(c->ws).socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
    co_await c->ws.async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    c->combined = CombinedStreamSuffix(venue, std::string(req.target()));
    const int n = connections++;
    {
      std::lock_guard<std::mutex> lock(mu);
      targets.emplace_back(req.target());
      conns.push_back(c);
    }
    const Script* script = scripts.empty() ? nullptr : &scripts[std::min<size_t>(n, scripts.size() - 1)];
    asio::co_spawn(io, Writer(c, script), asio::detached);
    beast::flat_buffer in;
    while (!c->dead && !c->stalled) {
      in.clear();
      co_await c->ws.async_read(in, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || c->stalled) break;
      std::string m = beast::buffers_to_string(in.data());
      {
        std::lock_guard<std::mutex> lock(mu);
        received.push_back(m);
      }
      Answer(c, m);
    }
    if (!c->stalled) {
      c->dead = true;
      c->timer.cancel();
    }
  }

  asio::awaitable<void> Accept() {
    while (true) {
      error_code ec;
      tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(io, Session(std::move(s)), asio::detached);
    }
  }
};

LoopbackServer::LoopbackServer(std::string venue, std::vector<Script> scripts)
    : state_(std::make_shared<State>()) {
  state_->venue = std::move(venue);
  state_->scripts = std::move(scripts);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(ep.protocol());
  state_->acceptor.set_option(asio::socket_base::reuse_address(true));
  state_->acceptor.bind(ep);
  state_->acceptor.listen();
  state_->port = state_->acceptor.local_endpoint().port();
  asio::co_spawn(state_->io, state_->Accept(), asio::detached);
  state_->thread = std::thread([s = state_.get()] { s->io.run(); });
}

LoopbackServer::~LoopbackServer() {
  asio::post(state_->io, [s = state_.get()] {
    error_code ec;
    s->acceptor.close(ec);
    std::lock_guard<std::mutex> lock(s->mu);
    for (auto& c : s->conns) {
      c->dead = true;
      c->timer.cancel();
      beast::get_lowest_layer(c->ws).socket().close(ec);
    }
    // Sessions still reading a request or in the handshake are not in
    // `conns`: stopping ends them too (their frames go with the io_context).
    s->io.stop();
  });
  state_->thread.join();
}

void LoopbackServer::SetHttp(const std::string& target, std::string body) {
  state_->http[target] = std::move(body);
}
int LoopbackServer::http_requests() const {
  return state_->http_requests.load();
}

std::string LoopbackServer::url() const {
  return "ws://127.0.0.1:" + std::to_string(state_->port);
}
int LoopbackServer::connections() const {
  return state_->connections.load();
}
int LoopbackServer::scripts_done() const {
  return state_->scripts_done.load();
}
int LoopbackServer::pings() const {
  return state_->pings.load();
}
std::vector<std::string> LoopbackServer::received() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->received;
}
std::vector<std::string> LoopbackServer::sent() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->sent;
}
std::vector<std::string> LoopbackServer::targets() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->targets;
}

}  // namespace liqdb::test
