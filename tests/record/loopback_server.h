// A WebSocket server on 127.0.0.1 (an ephemeral port) that plays one venue
// for the recorder tests: it answers subscriptions and application pings the
// way the venue documents them, and plays a script per connection: replayed
// messages, malformed and oversized frames, drops and stalls. As Binance
// does, a bare event sent on a combined-stream target (/stream?streams=…) is
// wrapped as {"stream":"<symbol>@…","data":<event>}; /ws/ targets get it bare.
//
// Thread-safety: runs its own io_context thread; the accessors may be called
// from any thread. Stops (closing every connection) when destroyed.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace liqdb::test {

struct Step {
  enum class Type {
    kWaitSubscribed,  // until the client's subscription arrived (immediately for Binance)
    kSend,            // `text` as one text frame (Binance /stream: wrapped, see above)
    kSendBytes,       // a text frame of `bytes` 'x' characters (oversized frames)
    kDrop,            // FIN now (the client sees the connection end), then close
    kStall,           // stop reading and writing: no data, no pongs, socket kept open
    kReset,           // RST now (SO_LINGER 0): the client's next write or read fails
    kPause,           // wait `bytes` milliseconds
  };
  Type type = Type::kSend;
  std::string text;
  size_t bytes = 0;
};
using Script = std::vector<Step>;

Step Send(std::string text);
Step SendBytes(size_t n);
Step WaitSubscribed();
Step Drop();
Step Stall();
Step Reset();
Step Pause(size_t ms);

class LoopbackServer {
 public:
  // Connection i plays scripts[min(i, size - 1)]; after its script a
  // connection stays open answering pings and subscriptions.
  LoopbackServer(std::string venue, std::vector<Script> scripts);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  // A plain HTTP request (not a WebSocket upgrade) for `target` is answered
  // 200 with `body`; others 404. Call before clients connect.
  void SetHttp(const std::string& target, std::string body);
  int http_requests() const;

  std::string url() const;                    // ws://127.0.0.1:PORT
  int connections() const;                    // accepted WebSocket handshakes
  int scripts_done() const;                   // connections that reached the end of their script
  int pings() const;                          // application pings answered
  std::vector<std::string> received() const;  // every text message from clients
  std::vector<std::string> targets() const;   // request targets of the handshakes
  std::vector<std::string> sent() const;      // every text frame written, as written (acks too)

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace liqdb::test
