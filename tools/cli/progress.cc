// Progress bar: see progress.h.
#include "progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace liqdb::cli {

namespace {

constexpr auto kRedrawEvery = std::chrono::milliseconds(100);
constexpr int kBarWidth = 24;

// 1234567 -> "1.23M": a bar has little room.
std::string Human(double v, const std::string& unit) {
  if (unit == "bytes") {
    if (v >= 1e9) return fmt::format("{:.2f} GB", v / 1e9);
    return fmt::format("{:.1f} MB", v / 1e6);
  }
  if (v >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

}  // namespace

bool StderrIsTerminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(StderrIsTerminal()),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  Finish();
}

void Progress::Update(uint64_t done) {
  done_ = done;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ >= kRedrawEvery) Draw(now);
}

void Progress::Update(uint64_t done, uint64_t total) {
  total_ = total;
  Update(done);
}

void Progress::Draw(std::chrono::steady_clock::time_point now) {
  last_draw_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done_) / secs : 0;
  std::string line = label_ + " ";
  if (total_ > 0) {
    const double frac = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
    const int fill = static_cast<int>(frac * kBarWidth);
    line += "[" + std::string(fill, '#') + std::string(kBarWidth - fill, '.') + "] ";
    line += fmt::format("{:3.0f}% ", frac * 100);
    if (rate > 0 && frac < 1) {
      line += fmt::format("ETA {:.0f}s ", (static_cast<double>(total_ - std::min(total_, done_))) / rate);
    }
  }
  line += Human(static_cast<double>(done_), unit_);
  if (unit_ != "bytes") line += " " + unit_;
  line += " (" + Human(rate, unit_) + (unit_ == "bytes" ? "/s)" : "/s)");
  if (!note_.empty()) line += "  " + note_;
  if (line.size() > 100) line.resize(100);
  // "\r" + erase-to-end-of-line keeps a shorter redraw from leaving debris.
  std::fprintf(stderr, "\r%s\033[K", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::Finish() {
  if (drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace liqdb::cli
