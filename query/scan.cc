// Row scans with pushdown: series selection by exchange/symbol, chunk
// skipping by zone map, and row filtering by time range and side.
#include <algorithm>

#include "liqdb/coin.h"
#include "liqdb/scan.h"

namespace liqdb {

namespace {

bool Contains(const std::vector<std::string>& list, const std::string& v) {
  return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}

// Keeps rows i with keep(i), compacting every decoded column in place, and
// records each kept row's original position when `positions` is given.
template <typename Keep>
void FilterRows(Columns* rows, Keep keep, std::vector<uint32_t>* positions = nullptr) {
  const size_t n = rows->size();
  size_t out = 0;
  if (positions) positions->clear();
  for (size_t i = 0; i < n; ++i) {
    if (!keep(i)) continue;
    if (positions) positions->push_back(static_cast<uint32_t>(i));
    if (out != i) {
      rows->ts[out] = rows->ts[i];
      if (!rows->side.empty()) rows->side[out] = rows->side[i];
      if (!rows->account.empty()) rows->account[out] = rows->account[i];
      for (auto& v : rows->values) {
        if (!v.empty()) v[out] = v[i];
      }
    }
    ++out;
  }
  rows->ts.resize(out);
  if (!rows->side.empty()) rows->side.resize(out);
  if (!rows->account.empty()) rows->account.resize(out);
  for (auto& v : rows->values) {
    if (!v.empty()) v.resize(out);
  }
}

}  // namespace

std::vector<uint32_t> SelectSeries(const Store& store, const ScanFilter& filter) {
  std::vector<uint32_t> ids;
  for (const SeriesInfo& s : store.ListSeries(filter.kind)) {
    if (Contains(filter.exchanges, s.key.exchange) && Contains(filter.symbols, s.key.symbol) &&
        (filter.coins.empty() || Contains(filter.coins, CoinOf(s.key.exchange, s.key.symbol).coin))) {
      ids.push_back(s.series_id);
    }
  }
  return ids;
}

RowScanner::~RowScanner() = default;

Result<std::unique_ptr<RowScanner>> RowScanner::Open(const Store& store, const ScanFilter& filter,
                                                     ColumnMask mask) {
  std::unique_ptr<RowScanner> scanner(new RowScanner());
  scanner->filter_ = filter;
  scanner->meter_ = WorkMeter(filter.cancel);
  scanner->mask_ = mask;
  const bool has_side = SchemaOf(filter.kind).has_side;
  if (has_side && (filter.side_mask & 3) != 3) scanner->mask_ |= kMaskSide;
  if (filter.from >= filter.to || (has_side && (filter.side_mask & 3) == 0)) return scanner;
  std::vector<uint32_t> ids = SelectSeries(store, filter);
  if (ids.empty()) return scanner;
  auto reader = store.ReadChunks(filter.kind, ids, filter.from, filter.to);
  if (!reader.ok()) return reader.status();
  scanner->reader_ = std::move(reader).value();
  return scanner;
}

Result<bool> RowScanner::Next(ScanBlock* block) {
  if (!reader_) return false;
  const bool side_filter = SchemaOf(filter_.kind).has_side && (filter_.side_mask & 3) != 3;
  while (reader_->Valid()) {
    // Chunks whose rows are all filtered out are skipped here, inside one
    // xNext: ask now and then whether to stop (liqdb/cancel.h).
    LIQDB_RETURN_IF_ERROR(meter_.Tick(1 + reader_->meta().rows / 64));
    const ChunkMeta& m = reader_->meta();
    if (side_filter) {
      const int wanted = (filter_.side_mask & 1) ? 0 : 1;
      if (m.kind != Kind::kMarket && m.sides[0].count + m.sides[1].count == m.rows &&
          m.sides[wanted].count == 0) {
        reader_->Next();  // the zone map says no row of the wanted side
        continue;
      }
    }
    block->series = reader_->series();
    block->chunk_id = m.chunk_id;
    block->position.clear();
    LIQDB_RETURN_IF_ERROR(reader_->Decode(mask_, &block->rows));
    const bool inside = m.min_ts >= filter_.from && m.max_ts < filter_.to;
    reader_->Next();
    if (!inside || side_filter) {
      const Timestamp from = filter_.from, to = filter_.to;
      const uint8_t side_mask = filter_.side_mask;
      Columns& rows = block->rows;
      FilterRows(
          &rows,
          [&](size_t i) {
            if (rows.ts[i] < from || rows.ts[i] >= to) return false;
            return !side_filter || ((side_mask >> rows.side[i]) & 1) != 0;
          },
          &block->position);
    }
    if (!block->rows.empty()) return true;
  }
  return false;
}

Result<Columns> ReadSeriesSorted(const Store& store, Kind kind, uint32_t series_id, Timestamp from,
                                 Timestamp to) {
  Columns out(kind);
  if (from >= to) return out;
  auto reader = store.ReadChunks(kind, {series_id}, from, to);
  if (!reader.ok()) return reader.status();
  std::unique_ptr<ChunkReader> r = std::move(reader).value();
  Columns chunk(kind);
  for (; r->Valid(); r->Next()) {
    LIQDB_RETURN_IF_ERROR(r->Decode(kAllColumns, &chunk));
    for (size_t i = 0; i < chunk.size(); ++i) {
      if (chunk.ts[i] >= from && chunk.ts[i] < to) out.AppendRow(chunk, i);
    }
  }
  // Chunks come in min_ts order and each is sorted; overlapping chunks need
  // the stable sort to interleave them (ties keep storage order).
  out.SortByTime();
  return out;
}

}  // namespace liqdb
