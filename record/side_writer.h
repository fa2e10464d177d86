// The recorder's small records, gaps and heartbeats, written to the store on
// a thread of their own, so that a synced write on a slow disk never holds
// up the network thread (its pings, every feed's reads).
//
// Why one writer thread rather than each feed's parsing thread: a gap is
// most needed when the parser is behind ("recorder backlog": up to
// max_queue_bytes of messages wait before it), and a gap queued behind that
// backlog would reach the store only once the backlog is parsed and stored.
// Here it waits at most for the append in progress (the store's write lock).
//
// A write replaces the one still pending for the same record (a gap's
// venue, feed and start; a heartbeat's venue and feed), the way the store
// replaces the record itself, so a slow disk makes the pending set no larger
// than one per open gap and feed. Writes of different records keep their
// order. Once a write failed no heartbeat is written any more: it would
// claim a time past the gap that is missing.
//
// Thread-safety: PutGap, PutHeartbeat and Drain from any thread; Close once,
// from the owner. Ownership: borrows the store, which must outlive it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "liqdb/status.h"
#include "liqdb/store.h"

namespace liqdb::record {

class SideWriter {
 public:
  // `on_error` is called on the writer thread with each failed write's status
  // (its context names the record).
  SideWriter(Store* store, std::function<void(const Status&)> on_error);
  ~SideWriter();  // Close()
  SideWriter(const SideWriter&) = delete;
  SideWriter& operator=(const SideWriter&) = delete;

  void PutGap(const Gap& gap);
  void PutHeartbeat(const Heartbeat& heartbeat);
  // Returns once everything put before the call is written (or failed).
  void Drain();
  // Writes what is pending and ends the thread. Later puts are written on
  // the caller's thread.
  void Close();

 private:
  struct Item {
    bool is_gap = true;
    Gap gap;
    Heartbeat heartbeat;
    bool SameRecord(const Item& o) const;
  };
  void Put(Item item);
  void Write(const Item& item);
  void Loop();

  Store* store_;
  std::function<void(const Status&)> on_error_;
  std::mutex mu_;
  std::condition_variable cv_;       // wakes the writer
  std::condition_variable done_cv_;  // wakes Drain
  std::vector<Item> pending_;
  std::atomic<bool> failed_{false};
  bool busy_ = false;  // the writer is writing what it took from pending_
  bool closing_ = false, closed_ = false;
  std::thread thread_;
};

}  // namespace liqdb::record
