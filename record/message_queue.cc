// Messages from the network thread as lines for an Ingester (message_queue.h).
#include "record/message_queue.h"

#include <algorithm>
#include <chrono>

namespace liqdb::record {

MessageQueue::MessageQueue(std::string name, size_t max_bytes) : max_bytes_(max_bytes) {
  name_ = std::move(name);
}

bool MessageQueue::Push(std::string_view message, Timestamp received_us) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (message.size() > max_bytes_ - std::min(max_bytes_, queued_bytes_)) return false;
  }
  Item it;
  it.received_us = received_us;
  it.text.assign(message);
  for (char& c : it.text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued_bytes_ += it.text.size();
    items_.push_back(std::move(it));
  }
  cv_.notify_one();
  return true;
}

void MessageQueue::PushFlush() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Item it;
    it.flush = true;
    items_.push_back(std::move(it));
  }
  cv_.notify_one();
}

void MessageQueue::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

size_t MessageQueue::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return items_.size();
}

size_t MessageQueue::pending_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queued_bytes_;
}

std::optional<Timestamp> MessageQueue::oldest_pending_us() const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Item& it : items_) {
    if (!it.flush) return it.received_us;
  }
  return std::nullopt;
}

Result<LineReader::Read> MessageQueue::Next(std::string_view* line, int timeout_ms) {
  if (on_next_) on_next_();
  Item it;
  {
    std::unique_lock<std::mutex> lock(mu_);
    auto ready = [&] { return !items_.empty() || closed_; };
    if (timeout_ms < 0) {
      cv_.wait(lock, ready);
    } else if (!cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), ready)) {
      return Read::kTimeout;
    }
    if (items_.empty()) return Read::kEnd;  // closed and drained
    it = std::move(items_.front());
    items_.pop_front();
    queued_bytes_ -= it.text.size();
  }
  if (it.flush) return Read::kTimeout;
  current_size_ = it.text.size();
  current_ = std::move(it.text);
  current_.append(kLinePadding, '\0');
  bytes_ += current_size_ + 1;
  ++line_number_;
  *line = std::string_view(current_.data(), current_size_);
  return Read::kLine;
}

}  // namespace liqdb::record
