// Ingester: lines -> adapter -> RowBuffer -> Store, file by file.
//
// Batching follows the Store's idempotency rule (store.h): a batch dedupes
// against the store as a multiset, so every copy of a row must travel in the
// same batch. Exact copies share a timestamp, so the buffer is only ever cut
// where a series' timestamp changes (RowBuffer::TakeSettled), holding back
// the last reorder_window_us of each series so that slightly disordered
// archives still meet their twins; a file's last rows are flushed when the
// file ends. With --strict nothing of a file reaches the store before its
// last line was read and found good. Streams flush on an interval instead
// (RowBuffer::TakeStream: a row waits at most two intervals).
// Files hand each series over in whole chunks (Store::chunk_rows; a
// series with fewer rows waits while the buffer holds under four batches),
// so a series' rows are encoded once, into sealed chunks, rather than
// staged in pieces and rewritten when the pieces add up to a chunk.
// Finish seals what the run left staged.
//
// Files overlap parsing with storing: a group of batches is encoded and
// written (Store::AppendAll) on a second thread while the next group is
// parsed. One group at most is in flight, so groups reach the store in
// order and memory holds two groups, not more; what needs the store to hold
// every row parsed so far (saving adapter state, sealing) waits for it
// first; a file's last group overlaps the next file. Streams store each group before going on, so
// their rows are queryable when a flush returns.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <system_error>
#include <unordered_map>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "ingest/adapter_util.h"

namespace liqdb {

namespace {

constexpr size_t kSniffLines = 10;
constexpr uint64_t kProgressEvery = 1 << 14;
// Files: rows buffered, in batch_rows, before series without a whole chunk
// of rows are flushed too (see WholeChunkRows).
constexpr size_t kHoldBatches = 4;

bool SameRow(const Columns& c, size_t a, size_t b) {
  if (c.ts[a] != c.ts[b]) return false;
  if (!c.side.empty() && c.side[a] != c.side[b]) return false;
  if (!c.account.empty() && c.account[a] != c.account[b]) return false;
  for (const auto& v : c.values) {
    // Bit-equal (NaN = NULL equals NULL).
    if (std::memcmp(&v[a], &v[b], sizeof(double)) != 0) return false;
  }
  return true;
}

uint64_t RowHash(const Columns& c, size_t i) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  if (!c.side.empty()) mix(c.side[i]);
  if (!c.account.empty()) mix(c.account[i]);
  for (const auto& v : c.values) {
    uint64_t bits;
    std::memcpy(&bits, &v[i], sizeof bits);
    mix(bits);
  }
  return h;
}

// Drops exact repeats of a row within a time-sorted batch; returns how many.
uint64_t CollapseRepeats(Columns* c) {
  const size_t n = c->size();
  std::vector<uint8_t> drop(n, 0);
  uint64_t dropped = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && c->ts[j] == c->ts[i]) ++j;
    if (j - i <= 16) {
      for (size_t a = i + 1; a < j; ++a) {
        for (size_t b = i; b < a; ++b) {
          if (!drop[b] && SameRow(*c, a, b)) {
            drop[a] = 1;
            ++dropped;
            break;
          }
        }
      }
    } else {
      // Many rows at one timestamp (a snapshot of many accounts): hash them.
      std::unordered_multimap<uint64_t, size_t> seen;
      for (size_t a = i; a < j; ++a) {
        const uint64_t h = RowHash(*c, a);
        bool dup = false;
        auto [lo, hi] = seen.equal_range(h);
        for (auto it = lo; it != hi && !dup; ++it) dup = SameRow(*c, a, it->second);
        if (dup) {
          drop[a] = 1;
          ++dropped;
        } else {
          seen.emplace(h, a);
        }
      }
    }
    i = j;
  }
  if (dropped == 0) return 0;
  Columns kept(c->kind);
  kept.Reserve(n - dropped);
  for (size_t i = 0; i < n; ++i) {
    if (!drop[i]) kept.AppendRow(*c, i);
  }
  *c = std::move(kept);
  return dropped;
}

// Splits a time-sorted batch into pieces of about `max_rows`, cutting only
// where the timestamp changes.
std::vector<SeriesBatch> SplitAtTimeChanges(SeriesBatch batch, size_t max_rows) {
  std::vector<SeriesBatch> out;
  const Columns& c = batch.rows;
  size_t start = 0;
  while (start < c.size()) {
    size_t end = std::min(c.size(), start + max_rows);
    while (end < c.size() && c.ts[end] == c.ts[end - 1]) ++end;
    out.push_back(SeriesBatch{batch.key, SliceRows(c, start, end)});
    start = end;
  }
  return out;
}

}  // namespace

void KeepFreedMemoryForReuse() {
#if defined(__GLIBC__)
  // Blocks up to 64 MiB come from the heap (glibc's default threshold moves
  // between 128 KiB and 32 MiB), and up to 256 MiB free at its top is kept.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

Ingester::Ingester(Store* store, IngestOptions options) : store_(store), options_(std::move(options)) {
  if (options_.batch_rows == 0) options_.batch_rows = 1;
}

// An append still in flight finishes before the store can go away: the
// future of std::async waits for it when destroyed.
Ingester::~Ingester() = default;

std::optional<Format> Ingester::format() const {
  if (adapter_ != nullptr) return adapter_->format();
  if (options_.format != Format::kAuto) return options_.format;
  return std::nullopt;
}

void Ingester::Report(const std::string& message) {
  if (report_) report_(message);
}

void Ingester::ReportBad(const std::string& file, uint64_t line, const std::string& reason) {
  if (on_rejected_) {
    on_rejected_(file, line, reason);
    return;
  }
  if (reported_ < options_.max_reported_errors) {
    Report(file + ":" + std::to_string(line) + ": " + reason);
  }
  ++reported_;
}

void Ingester::Progress(LineReader* reader) {
  if (!progress_) return;
  IngestProgress p;
  p.file = reader->name();
  p.bytes = reader->bytes_consumed();
  p.total_bytes = reader->total_bytes();
  p.summary = &summary_;
  progress_(p);
}

Status Ingester::IngestPath(const std::string& path) {
  Result<std::unique_ptr<LineReader>> reader = LineReader::Open(path);
  if (!reader.ok()) {
    ++summary_.files;
    return SkipOrFail(reader.status());
  }
  return IngestReader(reader->get(), path == "-");
}

Status Ingester::SkipOrFail(const Status& why) {
  if (!options_.skip_bad_files) return why;
  summary_.skipped_files.push_back(why.message());
  Report(why.message() + " (file skipped)");
  return Status::OK();
}

namespace {
// JSON-lines formats, told apart from the CSV ones.
bool IsJsonFormat(Format f) {
  return f == Format::kBinanceForceOrder || f == Format::kBybitLiquidation ||
         f == Format::kOkxLiquidationOrders || f == Format::kHyperliquidClearinghouse;
}
}  // namespace

Status Ingester::ChooseAdapter(LineReader* reader, std::vector<std::string>* peeked, bool* damaged) {
  Format f = options_.format;
  if (f == Format::kAuto) {
    // Sniff after every line: a live feed may take long to send ten.
    std::string_view line;
    std::string why;
    std::optional<Format> sniffed;
    while (!sniffed && peeked->size() < kSniffLines) {
      Result<LineReader::Read> r = reader->Next(&line);
      if (!r.ok()) {
        Report(r.status().message());
        *damaged = true;
        break;
      }
      if (*r != LineReader::Read::kLine) break;
      peeked->emplace_back(line);
      if (ingest::IsBlank(line)) continue;
      sniffed = SniffFormat(*peeked, &why);
      if (!sniffed && line.front() != '{') break;  // not JSON and no known CSV: give up
    }
    if (*damaged && peeked->empty()) {
      adapter_ = nullptr;  // nothing readable: a damaged file, not an unknown format
      return Status::OK();
    }
    if (!sniffed) sniffed = SniffFormat(*peeked, &why);
    if (!sniffed) {
      return Status::InvalidArgument(reader->name() + ": --format auto cannot tell the format (" + why +
                                     "); name it with --format");
    }
    f = *sniffed;
    Report(reader->name() + ": format " + FormatName(f) + " (auto: " + why + ")");
  } else {
    // A file of another shape than the --format named would fail on every
    // line; say once what it looks like instead. Only shapes the sniffer
    // knows for sure count: JSON against CSV, or a known CSV header.
    std::string_view line;
    while (peeked->size() < kSniffLines) {
      Result<LineReader::Read> r = reader->Next(&line);
      if (!r.ok()) {
        Report(r.status().message());
        *damaged = true;
        break;
      }
      if (*r != LineReader::Read::kLine) break;
      peeked->emplace_back(line);
      if (!ingest::IsBlank(line)) break;
    }
    std::string why;
    const std::optional<Format> looks = SniffFormat(*peeked, &why);
    if (looks && *looks != f &&
        (IsJsonFormat(*looks) != IsJsonFormat(f) || why.find("header") != std::string::npos)) {
      return Status::InvalidArgument(reader->name() + ": this looks like " + why + ", not " + FormatName(f) +
                                     " input; did you mean --format " + FormatName(*looks) + "?");
    }
  }
  auto it = adapters_.find(f);
  if (it == adapters_.end()) {
    LIQDB_ASSIGN_OR_RETURN(std::unique_ptr<Adapter> a, MakeAdapter(f, options_));
    const std::string dir = options_.state_dir.empty() ? store_->path() : options_.state_dir;
    LIQDB_RETURN_IF_ERROR(a->LoadState(dir));
    it = adapters_.emplace(f, std::move(a)).first;
  }
  adapter_ = it->second.get();
  return Status::OK();
}

Status Ingester::ParseOne(LineReader* reader, std::string_view line, uint64_t line_no, bool* bad) {
  if (ingest::IsBlank(line)) return Status::OK();
  ++summary_.lines;
  LineStats ls;
  const size_t before = buffer_.rows();
  Status s = adapter_->ParseLine(line, &buffer_, &ls);
  if (!s.ok()) {
    ++summary_.rejected_lines;
    *bad = true;
    ReportBad(reader->name(), line_no, s.message());
    return Status::OK();
  }
  summary_.rows += buffer_.rows() - before;
  summary_.skipped += ls.skipped;
  summary_.duplicates += ls.repeats;
  return Status::OK();
}

Status Ingester::IngestReader(LineReader* reader, bool stream) {
  if (finished_) return Status::InvalidArgument("Ingester used after Finish");
  LIQDB_RETURN_IF_ERROR(append_failed_);  // the store refused a batch: nothing more goes in
  ++summary_.files;
  std::vector<std::string> peeked;
  bool damaged = false;
  if (Status s = ChooseAdapter(reader, &peeked, &damaged); !s.ok()) {
    adapter_ = nullptr;
    return SkipOrFail(s);
  }
  if (adapter_ == nullptr) {
    ++summary_.files_damaged;
    if (options_.strict) ++summary_.files_rejected;
    return Status::OK();
  }
  if (Status s = adapter_->BeginFile(reader->name()); !s.ok()) return SkipOrFail(s);
  const std::string format_name = FormatName(adapter_->format());
  if (std::find(summary_.formats.begin(), summary_.formats.end(), format_name) == summary_.formats.end()) {
    summary_.formats.push_back(format_name);
  }

  bool bad = false;
  overlap_appends_ = !stream;
  next_flush_at_ = options_.batch_rows;
  const uint64_t late_before = buffer_.late_rows();
  // Peeked lines are copies; give them the padding the parsers need.
  for (size_t i = 0; i < peeked.size(); ++i) {
    padded_.assign(peeked[i]);
    padded_.append(kLinePadding, '\0');
    LIQDB_RETURN_IF_ERROR(ParseOne(reader, std::string_view(padded_.data(), peeked[i].size()), i + 1, &bad));
  }

  using Clock = std::chrono::steady_clock;
  const auto interval = std::chrono::milliseconds(std::max<int64_t>(1, options_.flush_interval_ms));
  auto last_flush = Clock::now();
  const bool hold = options_.strict && !stream;  // strict files wait for their last line
  std::string_view line;
  uint64_t n = 0;
  while (!damaged) {
    Result<LineReader::Read> r =
        reader->Next(&line, stream ? static_cast<int>(options_.flush_interval_ms) : -1);
    if (!r.ok()) {
      Report(r.status().message());
      damaged = true;
      break;
    }
    if (*r == LineReader::Read::kEnd) break;
    if (*r == LineReader::Read::kTimeout) {
      // The feed is quiet: store everything, so it is queryable now.
      if (!buffer_.empty()) {
        LIQDB_RETURN_IF_ERROR(Flush(buffer_.TakeAll()));
        LIQDB_RETURN_IF_ERROR(SaveState());
      }
      last_flush = Clock::now();
      continue;
    }
    LIQDB_RETURN_IF_ERROR(ParseOne(reader, line, reader->line_number(), &bad));
    if (++n % kProgressEvery == 0) Progress(reader);
    if (stream) {
      if (Clock::now() - last_flush >= interval) {
        LIQDB_RETURN_IF_ERROR(Flush(buffer_.TakeStream()));
        last_flush = Clock::now();
      }
    } else if (!hold && buffer_.rows() >= next_flush_at_) {
      LIQDB_RETURN_IF_ERROR(Flush(buffer_.TakeSettled(options_.reorder_window_us, WholeChunkRows())));
      // What the window held back waits for another batch's worth of rows.
      next_flush_at_ = buffer_.rows() + options_.batch_rows;
    }
  }
  if (damaged) ++summary_.files_damaged;

  // A stream has no end to wait for: --strict applies to files only.
  if (hold && (bad || damaged)) {
    summary_.discarded_rows += buffer_.rows();
    ++summary_.files_rejected;
    buffer_.Clear();
    adapter_->EndFile(false);
    Report(reader->name() + ": --strict: nothing stored from this file");
  } else {
    adapter_->EndFile(true);
    LIQDB_RETURN_IF_ERROR(Flush(buffer_.TakeAll()));
    LIQDB_RETURN_IF_ERROR(SaveState());
    if (const uint64_t late = buffer_.late_rows() - late_before; late > 0) {
      summary_.late_rows += late;
      Report(reader->name() + ": " + std::to_string(late) +
             " rows came later than the reorder window allows: stored in a later batch, so an "
             "exact twin of one flushed earlier from this file counts as its duplicate");
    }
  }
  buffer_.Clear();
  // The file's last group may still be in flight: it overlaps the next
  // file's parsing (daily archives are often one group each), and its
  // counts join the summary when it is waited for.
  Progress(reader);
  return Status::OK();
}

size_t Ingester::WholeChunkRows() const {
  // Past the budget every settled row goes, whole chunks or not: many small
  // series would otherwise hold back without bound.
  if (buffer_.rows() >= kHoldBatches * options_.batch_rows) return 0;
  return std::min(options_.batch_rows, store_->chunk_rows());
}

Status Ingester::AppendGroup(std::vector<SeriesBatch>* group) {
  if (group->empty()) return Status::OK();
  LIQDB_RETURN_IF_ERROR(WaitForAppend());
  LIQDB_RETURN_IF_ERROR(append_failed_);
  // The rows move into the store: no copy of a batch is made. Shared, so
  // that they are still here when no thread can be started.
  auto rows = std::make_shared<std::vector<SeriesBatch>>(std::move(*group));
  group->clear();
  auto append = [store = store_, rows] { return store->AppendAll(std::move(*rows)); };
  if (overlap_appends_) {
    try {
      // `append` is copied, not moved: the fallback below still holds it.
      in_flight_ = std::async(std::launch::async, append);
      return Status::OK();
    } catch (const std::system_error&) {
      // No thread to be had: store the group on this one.
    }
  }
  return CountAppend(append());
}

Status Ingester::WaitForAppend() {
  if (!in_flight_.valid()) return Status::OK();
  return CountAppend(in_flight_.get());
}

Status Ingester::CountAppend(const Result<AppendStats>& r) {
  if (!r.ok()) {
    append_failed_ = r.status().WithContext("store append");
    return append_failed_;
  }
  ++summary_.flushes;
  summary_.stored += r->stored;
  summary_.duplicates += r->duplicates;
  return Status::OK();
}

Status Ingester::Flush(std::vector<SeriesBatch> batches) {
  std::vector<SeriesBatch> group;
  size_t group_rows = 0;
  for (SeriesBatch& b : batches) {
    if (b.rows.empty()) continue;
    b.rows.SortByTime();
    if (adapter_ != nullptr && adapter_->CollapseRepeats(b.rows.kind)) {
      summary_.duplicates += CollapseRepeats(&b.rows);
    }
    if (b.rows.size() > options_.batch_rows) {
      // A big series goes alone, in pieces cut at time changes.
      for (SeriesBatch& piece : SplitAtTimeChanges(std::move(b), options_.batch_rows)) {
        std::vector<SeriesBatch> one;
        one.push_back(std::move(piece));
        LIQDB_RETURN_IF_ERROR(AppendGroup(&one));
      }
      continue;
    }
    group_rows += b.rows.size();
    group.push_back(std::move(b));
    if (group_rows >= options_.batch_rows) {
      LIQDB_RETURN_IF_ERROR(AppendGroup(&group));
      group_rows = 0;
    }
  }
  return AppendGroup(&group);
}

Status Ingester::SaveState() {
  if (!buffer_.empty()) return Status::OK();  // the state may run ahead of the store
  if (std::none_of(adapters_.begin(), adapters_.end(), [](const auto& a) { return a.second->HasState(); })) {
    return Status::OK();
  }
  LIQDB_RETURN_IF_ERROR(WaitForAppend());  // the state says these rows are stored
  const std::string dir = options_.state_dir.empty() ? store_->path() : options_.state_dir;
  for (auto& [f, a] : adapters_) LIQDB_RETURN_IF_ERROR(a->SaveState(dir));
  return Status::OK();
}

Status Ingester::Finish() {
  if (finished_) return append_failed_;
  finished_ = true;
  // After a failed append the rows parsed since are not stored, so neither
  // is any adapter state that would say they were.
  LIQDB_RETURN_IF_ERROR(WaitForAppend());
  LIQDB_RETURN_IF_ERROR(append_failed_);
  LIQDB_RETURN_IF_ERROR(Flush(buffer_.TakeAll()));
  LIQDB_RETURN_IF_ERROR(WaitForAppend());
  LIQDB_RETURN_IF_ERROR(SaveState());
  // Every run ends sealed: what is still staged becomes sealed chunks, the
  // short ones merged with their series' newest short chunks (store.h).
  if (summary_.stored > 0) LIQDB_RETURN_IF_ERROR(store_->Seal(true).WithContext("store seal"));
  if (reported_ > options_.max_reported_errors) {
    Report("... and " + std::to_string(reported_ - options_.max_reported_errors) +
           " more bad lines not shown");
  }
  return Status::OK();
}

}  // namespace liqdb
