// A one-line progress bar on standard error for long-running commands
// (gen, ingest, render).
//
// Drawn only when stderr is a terminal, so pipes, logs and CI output stay
// clean; redrawn at most ten times a second, so Update() may be called for
// every row without cost beyond a clock read. Finish() (or the destructor)
// erases the line, leaving room for the command's summary.
//
// Thread-safety: one thread per Progress.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace liqdb::cli {

class Progress {
 public:
  // `total` 0 = unknown: the bar shows the count and the rate only.
  // `unit` names what is counted ("rows", "bytes"); "bytes" prints as MB.
  Progress(std::string label, uint64_t total, std::string unit = "rows");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Reports `done` units out of the total; redraws when due.
  void Update(uint64_t done);
  void Update(uint64_t done, uint64_t total);
  // Extra text shown after the numbers ("BTCUSDT 2024-03-04").
  void SetNote(std::string note) { note_ = std::move(note); }
  // Erases the bar. Idempotent.
  void Finish();

  bool enabled() const { return enabled_; }

 private:
  void Draw(std::chrono::steady_clock::time_point now);

  std::string label_, unit_, note_;
  uint64_t total_ = 0, done_ = 0;
  bool enabled_ = false;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// Whether standard error is a terminal (progress bars are worth drawing).
bool StderrIsTerminal();

}  // namespace liqdb::cli
