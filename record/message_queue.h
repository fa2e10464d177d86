// The hand-over from the network thread to a feed's parsing thread: a
// LineReader whose lines are the messages pushed into it, so the feed is
// parsed, batched and stored by the very Ingester `liqdb ingest -` uses.
//
// A flush mark makes Next() report a timeout, which the Ingester answers by
// storing everything it buffered (the recorder marks each reconnect, so rows
// from before a disconnect never share a batch with a venue's repeats after
// it). Close() ends the input once the queue is drained.
//
// The queue holds at most `max_bytes` of messages: a parser that falls
// behind (a slow disk) must not grow the recorder without bound. Push()
// refuses a message that would pass the cap; the caller counts it and
// records the loss.
//
// Thread-safety: Push/PushFlush/Close from any thread; Next() and on_next
// from the one reading thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "liqdb/ingest.h"

namespace liqdb::record {

class MessageQueue final : public LineReader {
 public:
  explicit MessageQueue(std::string name, size_t max_bytes = kDefaultMaxBytes);
  static constexpr size_t kDefaultMaxBytes = 64 << 20;

  // One message as one line: line breaks (whitespace to JSON) become spaces.
  // False (and nothing queued) when the queued bytes would pass the cap.
  // `received_us`: when it came (oldest_pending_us).
  [[nodiscard]] bool Push(std::string_view message, Timestamp received_us = 0);
  void PushFlush();
  void Close();
  size_t pending() const;
  size_t pending_bytes() const;
  // The receive time of the oldest message not yet read; nullopt when none
  // waits. The recorder's heartbeat never claims a time past it.
  std::optional<Timestamp> oldest_pending_us() const;

  Result<Read> Next(std::string_view* line, int timeout_ms = -1) override;
  uint64_t bytes_consumed() const override { return bytes_; }

  // The line Next() returned last (for samples of bad messages).
  const std::string& current() const { return current_; }
  size_t current_size() const { return current_size_; }
  // Called on the reading thread at the start of every Next(): the moment
  // the reader's owner may look at state only that thread touches.
  void set_on_next(std::function<void()> f) { on_next_ = std::move(f); }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  struct Item {
    bool flush = false;
    Timestamp received_us = 0;
    std::string text;
  };
  std::deque<Item> items_;
  const size_t max_bytes_;
  size_t queued_bytes_ = 0;  // of the messages in items_
  bool closed_ = false;
  std::string current_;  // the line + kLinePadding bytes
  size_t current_size_ = 0;
  uint64_t bytes_ = 0;
  std::function<void()> on_next_;
};

}  // namespace liqdb::record
