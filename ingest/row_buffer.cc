// RowBuffer: parsed rows grouped by (kind, series) until the Ingester flushes.
#include <algorithm>

#include "liqdb/ingest.h"

namespace liqdb {

Columns* RowBuffer::Series(Kind kind, std::string_view exchange, std::string_view symbol) {
  if (last_ < entries_.size()) {
    Entry& e = entries_[last_];
    if (e.kind == kind && e.key.symbol == symbol && e.key.exchange == exchange) return &e.rows;
  }
  std::string k;
  k.reserve(exchange.size() + symbol.size() + 2);
  k.push_back(static_cast<char>(kind));
  k.append(exchange);
  k.push_back('\0');
  k.append(symbol);
  auto [it, inserted] = index_.emplace(std::move(k), entries_.size());
  if (inserted) {
    entries_.push_back(Entry{kind, SeriesKey{std::string(exchange), std::string(symbol)}, Columns(kind)});
  }
  last_ = it->second;
  return &entries_[last_].rows;
}

void RowBuffer::CountLate(Entry* e, size_t n) {
  if (e->taken_max == kMinTimestamp) return;
  for (size_t i = 0; i < n; ++i) late_rows_ += e->rows.ts[i] <= e->taken_max;
}

std::vector<SeriesBatch> RowBuffer::TakeAll() {
  std::vector<SeriesBatch> out;
  for (Entry& e : entries_) {
    if (e.rows.empty()) continue;
    CountLate(&e, e.rows.size());
    out.push_back(SeriesBatch{e.key, std::move(e.rows)});
    e.rows = Columns(e.kind);
  }
  rows_ = 0;
  return out;
}

std::vector<SeriesBatch> RowBuffer::TakeSettled(int64_t window_us) {
  std::vector<SeriesBatch> out;
  size_t kept = 0;
  for (Entry& e : entries_) {
    if (e.rows.empty()) continue;
    e.rows.SortByTime();
    const Timestamp last = e.rows.ts.back();
    const Timestamp bound = window_us > 0 && last > kMinTimestamp + window_us ? last - window_us : last;
    size_t cut = static_cast<size_t>(std::lower_bound(e.rows.ts.begin(), e.rows.ts.end(), bound) -
                                     e.rows.ts.begin());
    if (cut == 0) {
      kept += e.rows.size();
      continue;
    }
    CountLate(&e, cut);
    e.taken_max = std::max(e.taken_max, e.rows.ts[cut - 1]);
    SeriesBatch b{e.key, Columns(e.kind)};
    Columns rest(e.kind);
    b.rows.Reserve(cut);
    for (size_t i = 0; i < cut; ++i) b.rows.AppendRow(e.rows, i);
    for (size_t i = cut; i < e.rows.size(); ++i) rest.AppendRow(e.rows, i);
    kept += rest.size();
    e.rows = std::move(rest);
    out.push_back(std::move(b));
  }
  rows_ = kept;
  return out;
}

void RowBuffer::Clear() {
  for (Entry& e : entries_) {
    e.rows = Columns(e.kind);
    e.taken_max = kMinTimestamp;
  }
  rows_ = 0;
}

}  // namespace liqdb
