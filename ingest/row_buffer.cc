// RowBuffer: parsed rows grouped by (kind, series) until the Ingester flushes.
#include <algorithm>

#include "liqdb/ingest.h"

namespace liqdb {

Columns SliceRows(const Columns& c, size_t from, size_t to) {
  Columns out(c.kind);
  auto copy = [&](const auto& src, auto* dst) {
    if (!src.empty()) dst->assign(src.begin() + from, src.begin() + to);
  };
  copy(c.ts, &out.ts);
  copy(c.side, &out.side);
  copy(c.account, &out.account);
  // Indexes stay valid against the same dictionary (unused entries are harmless).
  if (!c.account.empty()) out.account_dict = c.account_dict;
  for (size_t v = 0; v < c.values.size(); ++v) copy(c.values[v], &out.values[v]);
  return out;
}

Columns* RowBuffer::Series(Kind kind, std::string_view exchange, std::string_view symbol) {
  if (last_ < entries_.size()) {
    Entry& e = entries_[last_];
    if (e.kind == kind && e.key.symbol == symbol && e.key.exchange == exchange) return &e.rows;
  }
  // Few series (the usual case): a scan beats building a hash key.
  if (entries_.size() <= 16) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      Entry& e = entries_[i];
      if (e.kind == kind && e.key.symbol == symbol && e.key.exchange == exchange) {
        last_ = i;
        return &e.rows;
      }
    }
  }
  std::string& k = scratch_;
  k.clear();
  k.push_back(static_cast<char>(kind));
  k.append(exchange);
  k.push_back('\0');
  k.append(symbol);
  auto [it, inserted] = index_.emplace(k, entries_.size());
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

std::vector<SeriesBatch> RowBuffer::TakeSettled(int64_t window_us, size_t whole_of) {
  std::vector<SeriesBatch> out;
  size_t kept = 0;
  for (Entry& e : entries_) {
    if (e.rows.empty()) continue;
    e.rows.SortByTime();
    const Timestamp last = e.rows.ts.back();
    const Timestamp bound = window_us > 0 && last > kMinTimestamp + window_us ? last - window_us : last;
    size_t cut =
        static_cast<size_t>(std::lower_bound(e.rows.ts.begin(), e.rows.ts.end(), bound) - e.rows.ts.begin());
    if (whole_of > 0) {
      // Rows of one timestamp never part: the cut moves on to the end of the
      // last whole multiple's timestamp, still below the settled bound.
      const size_t whole = cut / whole_of * whole_of;
      if (whole == 0) {
        cut = 0;
      } else {
        const auto ts = e.rows.ts.begin();
        cut = static_cast<size_t>(std::upper_bound(ts + whole - 1, ts + cut, ts[whole - 1]) - ts);
      }
    }
    if (cut == 0) {
      kept += e.rows.size();
      continue;
    }
    TakeFront(&e, cut, &out);
    kept += e.rows.size();
  }
  rows_ = kept;
  return out;
}

void RowBuffer::TakeFront(Entry* e, size_t cut, std::vector<SeriesBatch>* out) {
  CountLate(e, cut);
  e->taken_max = std::max(e->taken_max, e->rows.ts[cut - 1]);
  if (cut == e->rows.size()) {
    out->push_back(SeriesBatch{e->key, std::move(e->rows)});
    e->rows = Columns(e->kind);
    return;
  }
  out->push_back(SeriesBatch{e->key, SliceRows(e->rows, 0, cut)});
  e->rows = SliceRows(e->rows, cut, e->rows.size());
}

std::vector<SeriesBatch> RowBuffer::TakeStream() {
  std::vector<SeriesBatch> out;
  size_t kept = 0;
  for (Entry& e : entries_) {
    if (e.rows.empty()) {
      e.has_held = false;
      continue;
    }
    e.rows.SortByTime();
    const Timestamp last = e.rows.ts.back();
    if (e.has_held && e.held == last) {
      // Held back a whole interval and still the newest: it has waited enough.
      TakeFront(&e, e.rows.size(), &out);
      e.has_held = false;
      continue;
    }
    const size_t cut =
        static_cast<size_t>(std::lower_bound(e.rows.ts.begin(), e.rows.ts.end(), last) - e.rows.ts.begin());
    if (cut > 0) TakeFront(&e, cut, &out);
    e.held = last;
    e.has_held = true;
    kept += e.rows.size();
  }
  rows_ = kept;
  return out;
}

void RowBuffer::Clear() {
  for (Entry& e : entries_) {
    e.rows = Columns(e.kind);
    e.taken_max = kMinTimestamp;
    e.has_held = false;
  }
  rows_ = 0;
}

}  // namespace liqdb
