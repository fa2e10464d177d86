// Gaps and heartbeats written on their own thread (side_writer.h).
#include "record/side_writer.h"

#include <utility>

namespace liqdb::record {

bool SideWriter::Item::SameRecord(const Item& o) const {
  if (is_gap != o.is_gap) return false;
  if (is_gap) return gap.venue == o.gap.venue && gap.feed == o.gap.feed && gap.from == o.gap.from;
  return heartbeat.venue == o.heartbeat.venue && heartbeat.feed == o.heartbeat.feed;
}

SideWriter::SideWriter(Store* store, std::function<void(const Status&)> on_error)
    : store_(store), on_error_(std::move(on_error)) {
  thread_ = std::thread([this] { Loop(); });
}

SideWriter::~SideWriter() {
  Close();
}

void SideWriter::PutGap(const Gap& gap) {
  Item it;
  it.gap = gap;
  Put(std::move(it));
}

void SideWriter::PutHeartbeat(const Heartbeat& heartbeat) {
  Item it;
  it.is_gap = false;
  it.heartbeat = heartbeat;
  Put(std::move(it));
}

void SideWriter::Put(Item item) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!closed_) {
      for (Item& p : pending_) {
        if (p.SameRecord(item)) {
          p = std::move(item);  // the newer state of the same record
          return;
        }
      }
      pending_.push_back(std::move(item));
      cv_.notify_one();
      return;
    }
  }
  Write(item);  // after Close: nothing runs on the writer thread any more
}

void SideWriter::Write(const Item& item) {
  // A heartbeat after a gap that could not be stored would tell the next run
  // that nothing was missed: none is written once a write failed.
  if (!item.is_gap && failed_.load()) return;
  Status s =
      item.is_gap
          ? store_->PutGap(item.gap).WithContext(item.gap.venue + " " + item.gap.feed + ": storing a gap")
          : store_->PutHeartbeat(item.heartbeat)
                .WithContext(item.heartbeat.venue + " " + item.heartbeat.feed + ": storing the heartbeat");
  if (s.ok()) return;
  failed_.store(true);
  if (on_error_) on_error_(s);
}

void SideWriter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return !pending_.empty() || closing_; });
    if (pending_.empty()) {  // closing, and everything written: later puts write themselves
      closed_ = true;
      break;
    }
    std::vector<Item> batch = std::move(pending_);
    pending_.clear();
    busy_ = true;
    lock.unlock();
    for (const Item& it : batch) Write(it);
    lock.lock();
    busy_ = false;
    done_cv_.notify_all();
  }
  done_cv_.notify_all();
}

void SideWriter::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return closed_ || (pending_.empty() && !busy_); });
}

void SideWriter::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return;
    closing_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

}  // namespace liqdb::record
