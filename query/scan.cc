// Row scans with pushdown: series selection by exchange/symbol/coin, chunk
// skipping by zone map (time, side counts, value ranges), and row filtering
// by time range, side and value ranges over decoded column blocks.
#include "liqdb/scan.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <utility>

#include "liqdb/coin.h"
#include "liqdb/cpu_dispatch.h"

namespace liqdb {

namespace {

bool Contains(const std::vector<std::string>& list, const std::string& v) {
  return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}

// Whether a chunk may hold a row inside `r`, by its header's value range.
bool MayMatch(const ChunkMeta& m, const ValueRange& r) {
  if (!m.has_value_ranges) return true;
  const double lo = m.min_value[r.column], hi = m.max_value[r.column];
  if (lo > hi) return false;  // every row NULL
  if (r.hi_open ? !(lo < r.hi) : !(lo <= r.hi)) return false;
  if (r.lo_open ? !(hi > r.lo) : !(hi >= r.lo)) return false;
  return true;
}

// Whether every row of a chunk is inside `r`: a column without NULLs whose
// header range lies inside it.
bool AllMatch(const ChunkMeta& m, const ValueRange& r) {
  if (!m.has_value_ranges || SchemaOf(m.kind).value_nullable[r.column]) return false;
  const double lo = m.min_value[r.column], hi = m.max_value[r.column];
  return lo <= hi && r.Contains(lo) && r.Contains(hi);
}

// keep[i] &= r.Contains(v[i]) for i < n. Four loops instead of one with
// flags, so that each is branch-free and vectorised (AVX2 or AVX-512 where the CPU has it).
LIQDB_SIMD_CLONES void KeepInRange(const double* v, size_t n, const ValueRange& r, uint8_t* keep) {
  const double lo = r.lo, hi = r.hi;
  if (!r.lo_open && !r.hi_open) {
    for (size_t i = 0; i < n; ++i) keep[i] &= static_cast<uint8_t>((v[i] >= lo) & (v[i] <= hi));
  } else if (r.lo_open && r.hi_open) {
    for (size_t i = 0; i < n; ++i) keep[i] &= static_cast<uint8_t>((v[i] > lo) & (v[i] < hi));
  } else if (r.lo_open) {
    for (size_t i = 0; i < n; ++i) keep[i] &= static_cast<uint8_t>((v[i] > lo) & (v[i] <= hi));
  } else {
    for (size_t i = 0; i < n; ++i) keep[i] &= static_cast<uint8_t>((v[i] >= lo) & (v[i] < hi));
  }
}

// Past one row in this many, a notional range's rows decode the whole price
// column (packed) rather than the prices at those rows (one at a time).
constexpr size_t kPartialDecodeShare = 8;

// Whether a row of price p and notional v = p × qty meets every price and
// notional range (the others were applied before).
bool PriceAndNotionalMatch(const std::vector<const ValueRange*>& ranges, double p, double v) {
  for (const ValueRange* r : ranges) {
    if (r->column == liq_col::kPrice && !r->Contains(p)) return false;
    if (r->column == liq_col::kNotional && !r->Contains(v)) return false;
  }
  return true;
}

// keep[i] &= whether price × qty[i] may lie in `r` for some price in
// [pmin, pmax] (pmin >= 0): for qty >= 0 rounding is monotonic, so
// pmin × qty <= price × qty <= pmax × qty also holds after rounding, and a
// row outside [pmin × qty, pmax × qty]'s reach of r cannot match. A NaN qty
// gives a NaN notional, which matches nothing.
LIQDB_SIMD_CLONES void KeepProductMayMatch(const double* qty, size_t n, double pmin, double pmax,
                                           const ValueRange& r, uint8_t* keep) {
  const double lo = r.lo, hi = r.hi;
  // One loop per kind of bound, each branch-free and packed (as KeepInRange).
  if (!r.lo_open && !r.hi_open) {
    for (size_t i = 0; i < n; ++i)
      keep[i] &= static_cast<uint8_t>((pmax * qty[i] >= lo) & (pmin * qty[i] <= hi));
  } else if (r.lo_open && r.hi_open) {
    for (size_t i = 0; i < n; ++i)
      keep[i] &= static_cast<uint8_t>((pmax * qty[i] > lo) & (pmin * qty[i] < hi));
  } else if (r.lo_open) {
    for (size_t i = 0; i < n; ++i)
      keep[i] &= static_cast<uint8_t>((pmax * qty[i] > lo) & (pmin * qty[i] <= hi));
  } else {
    for (size_t i = 0; i < n; ++i)
      keep[i] &= static_cast<uint8_t>((pmax * qty[i] >= lo) & (pmin * qty[i] < hi));
  }
}

// The positions i < n with keep[i] (each 0 or 1), into `out`, which has
// room for n. Eight flags at a time, so that a selective filter costs one
// test per eight rows; branch-free inside, so that a dense one costs no
// mispredictions.
size_t SelectedPositions(const uint8_t* keep, size_t n, uint32_t* out) {
  size_t k = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, keep + i, 8);
    if (word == 0) continue;
    for (size_t j = i; j < i + 8; ++j) {
      out[k] = static_cast<uint32_t>(j);
      k += keep[j];
    }
  }
  for (; i < n; ++i) {
    out[k] = static_cast<uint32_t>(i);
    k += keep[i];
  }
  return k;
}

// The rows of `src` at *positions (ascending), into `dst` (the columns `src`
// decoded; its account dictionary moves over).
void GatherAt(Columns& src, const std::vector<uint32_t>* positions, Columns* dst) {
  const size_t out = positions->size();
  const uint32_t* pos = positions->data();
  auto gather = [&](const auto& in, auto& v) {
    v.resize(in.empty() ? 0 : out);
    for (size_t j = 0; j < v.size(); ++j) v[j] = in[pos[j]];
  };
  if (dst->kind != src.kind) *dst = Columns(src.kind);
  gather(src.ts, dst->ts);
  gather(src.side, dst->side);
  dst->ClearAccounts();
  gather(src.account, dst->account);
  dst->account_dict.swap(src.account_dict);  // src is decoded afresh before its next use
  dst->values.resize(src.values.size());
  for (size_t c = 0; c < src.values.size(); ++c) gather(src.values[c], dst->values[c]);
}

// The rows i < n of `src` with keep[i], into `dst`, and each one's position.
// `room` is scratch space that grows to the largest chunk once.
void Gather(Columns& src, size_t n, const uint8_t* keep, Columns* dst, std::vector<uint32_t>* positions,
            std::vector<uint32_t>* room) {
  if (room->size() < n) room->resize(n);
  positions->assign(room->data(), room->data() + SelectedPositions(keep, n, room->data()));
  GatherAt(src, positions, dst);
}

// Merges blocks of one series (each in ts order) into ts order, ties in
// block order, copying the columns the blocks decoded.
void MergeBlocks(std::vector<ScanBlock>* parts, ScanBlock* out) {
  struct Ref {
    Timestamp ts;
    uint32_t part, row;
  };
  std::vector<Ref> refs;
  for (uint32_t p = 0; p < parts->size(); ++p) {
    const Columns& r = (*parts)[p].rows;
    for (uint32_t i = 0; i < r.size(); ++i) refs.push_back({r.ts[i], p, i});
  }
  std::stable_sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) { return a.ts < b.ts; });
  // Chunks may have decoded more columns than asked (those their filter
  // needed): keep the columns every part has.
  const Columns& first = (*parts)[0].rows;
  bool side = !first.side.empty(), account = !first.account.empty();
  std::vector<bool> value(first.values.size());
  for (size_t c = 0; c < value.size(); ++c) value[c] = !first.values[c].empty();
  for (const ScanBlock& b : *parts) {
    side = side && !b.rows.side.empty();
    account = account && !b.rows.account.empty();
    for (size_t c = 0; c < value.size(); ++c) value[c] = value[c] && !b.rows.values[c].empty();
  }
  Columns& rows = out->rows;
  rows = Columns(first.kind);
  rows.ts.reserve(refs.size());
  out->position.clear();
  out->row_chunk.clear();
  out->rows_without_ts = 0;
  out->series = (*parts)[0].series;
  out->chunk_id = (*parts)[0].chunk_id;
  for (const Ref& ref : refs) {
    const ScanBlock& b = (*parts)[ref.part];
    const Columns& src = b.rows;
    rows.ts.push_back(src.ts[ref.row]);
    if (side) rows.side.push_back(src.side[ref.row]);
    if (account) rows.account.push_back(rows.InternAccount(src.AccountOf(ref.row)));
    for (size_t c = 0; c < value.size(); ++c) {
      if (value[c]) rows.values[c].push_back(src.values[c][ref.row]);
    }
    out->position.push_back(b.PositionOf(ref.row));
    out->row_chunk.push_back(b.chunk_id);
  }
}

// Rows [from, to) of `src` (decoded, without accounts) into `out`, which
// then names each row's position and chunk itself.
void SliceBlock(const ScanBlock& src, size_t from, size_t to, ScanBlock* out) {
  out->series = src.series;
  out->chunk_id = src.chunk_id;
  out->rows_without_ts = 0;
  Columns& rows = out->rows;
  if (rows.kind != src.rows.kind) rows = Columns(src.rows.kind);
  rows.ClearKeepingCapacity();
  auto copy = [&](const auto& in, auto& v) {
    if (!in.empty())
      v.assign(in.begin() + static_cast<ptrdiff_t>(from), in.begin() + static_cast<ptrdiff_t>(to));
  };
  copy(src.rows.ts, rows.ts);
  copy(src.rows.side, rows.side);
  for (size_t c = 0; c < src.rows.values.size(); ++c) copy(src.rows.values[c], rows.values[c]);
  out->position.clear();
  for (size_t i = from; i < to; ++i) out->position.push_back(src.PositionOf(i));
  out->row_chunk.clear();
  copy(src.row_chunk, out->row_chunk);
}

}  // namespace

std::vector<uint32_t> SelectSeries(const Store& store, const ScanFilter& filter) {
  // The listing is ordered by (kind, key), so the ids come in key order.
  std::vector<uint32_t> ids;
  for (const SeriesInfo& s : *store.SeriesListing()) {
    if (s.kind == filter.kind && Contains(filter.exchanges, s.key.exchange) &&
        Contains(filter.symbols, s.key.symbol) &&
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
  scanner->store_ = &store;
  scanner->filter_ = filter;
  scanner->meter_ = WorkMeter(filter.cancel);
  scanner->mask_ = mask;
  // A merge needs the times.
  if (filter.ordered || filter.time_ordered) scanner->mask_ |= kMaskTs;
  const bool has_side = SchemaOf(filter.kind).has_side;
  if (filter.from >= filter.to || (has_side && (filter.side_mask & 3) == 0)) return scanner;
  for (const ValueRange& r : filter.value_ranges) {
    if (r.column < 0 || r.column >= SchemaOf(filter.kind).num_values) {
      return Status::InvalidArgument("value range on column " + std::to_string(r.column) + " of a " +
                                     KindName(filter.kind) + " scan");
    }
    if (r.lo > r.hi || (r.lo == r.hi && (r.lo_open || r.hi_open))) return scanner;  // matches nothing
  }
  if (filter.time_ordered && SchemaOf(filter.kind).has_account) {
    return Status::InvalidArgument(std::string("a time-ordered scan across series of ") +
                                   KindName(filter.kind) +
                                   " is not supported (its blocks carry account dictionaries)");
  }
  std::vector<uint32_t> ids = SelectSeries(store, filter);
  if (ids.empty()) return scanner;
  if (filter.time_ordered && ids.size() > 1) {
    // One series-ordered scan per series, merged by ts in NextMerged.
    for (uint32_t id : ids) {
      std::unique_ptr<RowScanner> sub(new RowScanner());
      sub->store_ = &store;
      sub->filter_ = filter;
      sub->filter_.time_ordered = false;
      sub->filter_.ordered = true;
      sub->meter_ = WorkMeter(filter.cancel);
      sub->mask_ = scanner->mask_ | kMaskTs;
      sub->series_ = {{id, filter.side_mask}};
      LIQDB_RETURN_IF_ERROR(sub->OpenNextSeries());
      scanner->merge_.push_back(MergeInput{std::move(sub), ScanBlock(), 0});
    }
    return scanner;
  }
  if (filter.ordered || filter.time_ordered) {
    scanner->filter_.ordered = true;  // one series: its own order is time order
    scanner->mask_ |= kMaskTs;
    const bool side_runs = filter.side_runs && has_side && (filter.side_mask & 3) == 3;
    for (uint32_t id : ids) {
      if (side_runs) {
        scanner->series_.push_back({id, 1});
        scanner->series_.push_back({id, 2});
      } else {
        scanner->series_.push_back({id, filter.side_mask});
      }
    }
    LIQDB_RETURN_IF_ERROR(scanner->OpenNextSeries());
    return scanner;
  }
  auto reader = store.ReadChunks(filter.kind, ids, filter.from, filter.to);
  if (!reader.ok()) return reader.status();
  scanner->reader_ = std::move(reader).value();
  return scanner;
}

Status RowScanner::OpenNextSeries() {
  reader_.reset();
  if (next_series_ >= series_.size()) return Status::OK();
  const SeriesPass& pass = series_[next_series_++];
  filter_.side_mask = pass.side_mask;
  auto reader = store_->ReadChunks(filter_.kind, {pass.series}, filter_.from, filter_.to);
  if (!reader.ok()) return reader.status();
  reader_ = std::move(reader).value();
  return Status::OK();
}

uint8_t* RowScanner::StartKeep(const Columns& rows, size_t n, bool inside, bool side_filter) {
  // Reused: no allocation per chunk. A raw pointer, since a store through a
  // uint8_t& may alias anything (the vector's own pointers included), which
  // keeps the loops below from being vectorised.
  if (keep_.size() < n) keep_.resize(n);
  uint8_t* keep = keep_.data();
  std::fill(keep, keep + n, uint8_t{1});
  if (!inside) {
    const Timestamp from = filter_.from, to = filter_.to;
    const Timestamp* ts = rows.ts.data();
    for (size_t i = 0; i < n; ++i) keep[i] = static_cast<uint8_t>((ts[i] >= from) & (ts[i] < to));
  }
  if (side_filter) {
    const uint8_t side_mask = filter_.side_mask;
    const uint8_t* side = rows.side.data();
    for (size_t i = 0; i < n; ++i) keep[i] &= static_cast<uint8_t>((side_mask >> side[i]) & 1);
  }
  return keep;
}

Status RowScanner::ReadPricesAt(size_t c) {
  price_at_.resize(c);
  if (c > reader_->meta().rows / kPartialDecodeShare) {
    // Too many rows left for a partial decode to pay: the packed one, picked.
    LIQDB_RETURN_IF_ERROR(reader_->Decode(MaskValue(liq_col::kPrice), &prices_));
    const double* all = prices_.values[liq_col::kPrice].data();
    for (size_t j = 0; j < c; ++j) price_at_[j] = all[candidates_[j]];
  } else if (c > 0) {
    LIQDB_RETURN_IF_ERROR(reader_->DecodeValuesAt(liq_col::kPrice, candidates_.data(), c, price_at_.data()));
  }
  return Status::OK();
}

Result<bool> RowScanner::ReadChunk(ScanBlock* block) {
  const ChunkMeta& m = reader_->meta();
  // Chunks whose rows are all filtered out are skipped here, inside one
  // xNext: ask now and then whether to stop (liqdb/cancel.h).
  LIQDB_RETURN_IF_ERROR(meter_.Tick(1 + m.rows / 64));
  const KindSchema& schema = SchemaOf(filter_.kind);
  bool side_filter = schema.has_side && (filter_.side_mask & 3) != 3;
  if (side_filter) {
    const int wanted = (filter_.side_mask & 1) ? 0 : 1;
    if (m.kind != Kind::kMarket && m.sides[0].count + m.sides[1].count == m.rows) {
      if (m.sides[wanted].count == 0) return false;  // the zone map says no row of the wanted side
      if (m.sides[wanted].count == m.rows) side_filter = false;
    }
  }
  std::vector<const ValueRange*> ranges;  // the ranges this chunk's rows must be checked against
  ColumnMask mask = mask_;
  for (const ValueRange& r : filter_.value_ranges) {
    if (!MayMatch(m, r)) return false;
    if (AllMatch(m, r)) continue;
    ranges.push_back(&r);
    mask |= MaskValue(r.column);
  }
  if (side_filter) mask |= kMaskSide;
  const bool inside = m.min_ts >= filter_.from && m.max_ts < filter_.to;
  block->series = reader_->series();
  block->chunk_id = m.chunk_id;
  block->position.clear();
  block->row_chunk.clear();
  block->rows_without_ts = 0;
  // A selective notional range on a product-coded chunk: price is the
  // costliest column to decode, and qty alone rules out most rows.
  if (filter_.kind == Kind::kLiquidations && m.has_value_ranges && m.min_value[liq_col::kPrice] >= 0 &&
      m.min_value[liq_col::kPrice] <= m.max_value[liq_col::kPrice] && m.min_value[liq_col::kQty] >= 0) {
    for (const ValueRange* r : ranges) {
      if (r->column != liq_col::kNotional) continue;
      LIQDB_ASSIGN_OR_RETURN(const bool product, reader_->IsProduct(liq_col::kNotional));
      if (!product) break;
      LIQDB_RETURN_IF_ERROR(ReadProductChunk(block, mask, inside, side_filter, ranges, *r));
      return true;
    }
  }

  const bool filtered = !inside || side_filter || !ranges.empty();
  if (!inside) mask |= kMaskTs;  // the rows' times decide
  // A caller that reads no timestamps (a count, a sum) gets none: the row
  // count is the header's, and a block without them says how many it holds.
  const bool untimed = (mask & kMaskTs) == 0;
  if (!filtered && (mask & ~kMaskTs) == 0 && untimed) {
    block->rows.ClearKeepingCapacity();  // nothing asked for but the count
    block->rows_without_ts = m.rows;
    return true;
  }
  if (!filtered) {
    LIQDB_RETURN_IF_ERROR(reader_->Decode(mask, &block->rows));
    if (untimed) block->rows_without_ts = m.rows;
    return true;
  }
  // Decoded into the scanner's own columns, which keep their size from
  // chunk to chunk, and only the matching rows copied out.
  LIQDB_RETURN_IF_ERROR(reader_->Decode(mask, &scratch_));
  Columns& rows = scratch_;
  const size_t n = m.rows;
  uint8_t* keep = StartKeep(rows, n, inside, side_filter);
  for (const ValueRange* r : ranges) KeepInRange(rows.values[r->column].data(), n, *r, keep);
  Gather(rows, n, keep, &block->rows, &block->position, &positions_);
  if (untimed) block->rows_without_ts = static_cast<uint32_t>(block->position.size());
  return true;
}

Status RowScanner::ReadProductChunk(ScanBlock* block, ColumnMask mask, bool inside, bool side_filter,
                                    const std::vector<const ValueRange*>& ranges,
                                    const ValueRange& notional) {
  const ChunkMeta& m = reader_->meta();
  const ColumnMask price_and_notional = MaskValue(liq_col::kPrice) | MaskValue(liq_col::kNotional);
  const bool values_only =
      (mask & ~(price_and_notional | MaskValue(liq_col::kQty))) == 0 &&
      std::all_of(ranges.begin(), ranges.end(), [](const ValueRange* r) {
        return r->column == liq_col::kPrice || r->column == liq_col::kNotional || r->column == liq_col::kQty;
      });
  if (inside && !side_filter && values_only && notional.lo > 0 && std::isfinite(notional.lo)) {
    LIQDB_ASSIGN_OR_RETURN(const bool done, ReadLargeLots(block, ranges, notional));
    if (done) return Status::OK();
  }
  if (!inside) mask |= kMaskTs;
  LIQDB_RETURN_IF_ERROR(reader_->Decode((mask & ~price_and_notional) | MaskValue(liq_col::kQty), &scratch_));
  Columns& rows = scratch_;
  const size_t n = m.rows;
  uint8_t* keep = StartKeep(rows, n, inside, side_filter);
  for (const ValueRange* r : ranges) {
    if (r->column != liq_col::kPrice && r->column != liq_col::kNotional) {
      KeepInRange(rows.values[r->column].data(), n, *r, keep);
    }
  }
  const double* qty = rows.values[liq_col::kQty].data();
  KeepProductMayMatch(qty, n, m.min_value[liq_col::kPrice], m.max_value[liq_col::kPrice], notional, keep);
  // The rows still possible: their prices, then every price and notional
  // range on them exactly, with the product Decode would have computed.
  if (candidates_.size() < n) candidates_.resize(n);
  const size_t c = SelectedPositions(keep, n, candidates_.data());
  LIQDB_RETURN_IF_ERROR(ReadPricesAt(c));
  std::vector<double> price, product;  // of the rows kept, in order
  block->position.clear();
  for (size_t j = 0; j < c; ++j) {
    const uint32_t i = candidates_[j];
    const double p = price_at_[j], v = p * qty[i];
    if (!PriceAndNotionalMatch(ranges, p, v)) continue;
    block->position.push_back(i);
    price.push_back(p);
    product.push_back(v);
  }
  // The other columns of the kept rows (price and notional were not
  // decoded whole: empty here, gathered as empty).
  rows.values[liq_col::kPrice].clear();
  rows.values[liq_col::kNotional].clear();
  GatherAt(rows, &block->position, &block->rows);
  block->rows.values[liq_col::kPrice].swap(price);
  block->rows.values[liq_col::kNotional].swap(product);
  if ((mask & kMaskTs) == 0) block->rows_without_ts = static_cast<uint32_t>(block->position.size());
  return Status::OK();
}

Result<bool> RowScanner::ReadLargeLots(ScanBlock* block, const std::vector<const ValueRange*>& ranges,
                                       const ValueRange& notional) {
  const ChunkMeta& m = reader_->meta();
  const double pmin = m.min_value[liq_col::kPrice], pmax = m.max_value[liq_col::kPrice];
  if (!(pmax > 0)) return false;
  // pmax × qty >= lo needs qty >= lo / pmax, up to the rounding of both: a
  // bound a little lower keeps every row that could.
  const double t = notional.lo / pmax * (1 - 1e-9);
  if (!std::isfinite(t)) return false;  // a subnormal top price: the general path decides
  bool found = false;
  LIQDB_RETURN_IF_ERROR(reader_->DecodeValuesAbove(liq_col::kQty, t, &large_rows_, &large_qty_, &found));
  if (!found) return false;
  // KeepProductMayMatch's test and the qty ranges on those rows, then their
  // prices and every range exactly, as ReadProductChunk does.
  std::vector<double> qty_left;
  size_t c = 0;
  if (candidates_.size() < large_rows_.size()) candidates_.resize(large_rows_.size());
  for (size_t j = 0; j < large_rows_.size(); ++j) {
    const double q = large_qty_[j];
    bool possible = (notional.lo_open ? pmax * q > notional.lo : pmax * q >= notional.lo) &&
                    (notional.hi_open ? pmin * q < notional.hi : pmin * q <= notional.hi);
    for (const ValueRange* r : ranges) {
      if (r->column == liq_col::kQty) possible = possible && r->Contains(q);
    }
    if (!possible) continue;
    candidates_[c++] = large_rows_[j];
    qty_left.push_back(q);
  }
  LIQDB_RETURN_IF_ERROR(ReadPricesAt(c));
  std::vector<double> price, qty, product;  // of the rows kept, in order
  block->position.clear();
  for (size_t j = 0; j < c; ++j) {
    const double p = price_at_[j], v = p * qty_left[j];
    if (!PriceAndNotionalMatch(ranges, p, v)) continue;
    block->position.push_back(candidates_[j]);
    price.push_back(p);
    qty.push_back(qty_left[j]);
    product.push_back(v);
  }
  // What GatherAt leaves from a decode of qty alone: the value columns.
  Columns& out = block->rows;
  if (out.kind != Kind::kLiquidations) out = Columns(Kind::kLiquidations);
  out.ts.clear();
  out.side.clear();
  out.ClearAccounts();
  out.account.clear();
  out.values.resize(SchemaOf(Kind::kLiquidations).num_values);
  out.values[liq_col::kPrice].swap(price);
  out.values[liq_col::kQty].swap(qty);
  out.values[liq_col::kNotional].swap(product);
  block->rows_without_ts = static_cast<uint32_t>(block->position.size());
  return true;
}

Result<bool> RowScanner::NextMerged(ScanBlock* block) {
  // Refill the inputs whose block is used up; drop those that ran out.
  for (MergeInput& in : merge_) {
    while (in.scan && in.pos >= in.block.size()) {
      LIQDB_ASSIGN_OR_RETURN(bool more, in.scan->Next(&in.block));
      in.pos = 0;
      if (!more) in.scan.reset();
    }
  }
  merge_.erase(std::remove_if(merge_.begin(), merge_.end(), [](const MergeInput& in) { return !in.scan; }),
               merge_.end());
  if (merge_.empty()) return false;
  // The input with the earliest next row (ties: the earlier series), and the
  // earliest next row of the others, which ends its run.
  size_t best = 0;
  for (size_t i = 1; i < merge_.size(); ++i) {
    if (merge_[i].block.rows.ts[merge_[i].pos] < merge_[best].block.rows.ts[merge_[best].pos]) best = i;
  }
  MergeInput& in = merge_[best];
  const std::vector<Timestamp>& ts = in.block.rows.ts;
  auto end = ts.end();
  size_t other = merge_.size();
  for (size_t i = 0; i < merge_.size(); ++i) {
    if (i == best) continue;
    if (other == merge_.size() ||
        merge_[i].block.rows.ts[merge_[i].pos] < merge_[other].block.rows.ts[merge_[other].pos]) {
      other = i;
    }
  }
  if (other != merge_.size()) {
    const Timestamp bound = merge_[other].block.rows.ts[merge_[other].pos];
    const auto first = ts.begin() + static_cast<ptrdiff_t>(in.pos);
    // Rows at the bound's ts go first from the earlier series.
    end = best < other ? std::upper_bound(first, ts.end(), bound) : std::lower_bound(first, ts.end(), bound);
  }
  const size_t to = static_cast<size_t>(end - ts.begin());
  if (in.pos == 0 && to == ts.size()) {
    std::swap(*block, in.block);  // the whole block: no copy
    in.block.rows.ClearKeepingCapacity();
    in.block.position.clear();
    in.block.row_chunk.clear();
    in.block.rows_without_ts = 0;
    in.pos = 0;
  } else {
    SliceBlock(in.block, in.pos, to, block);
    in.pos = to;
  }
  return true;
}

Result<bool> RowScanner::Next(ScanBlock* block) {
  if (!merge_.empty()) return NextMerged(block);
  while (reader_) {
    if (!reader_->Valid()) {
      if (!filter_.ordered) break;
      LIQDB_RETURN_IF_ERROR(OpenNextSeries());
      continue;
    }
    if (!filter_.ordered) {
      auto got = ReadChunk(block);
      reader_->Next();
      if (!got.ok()) return got.status();
      if (*got && block->size() != 0) return true;
      continue;
    }
    // Ordered: chunks of one series come by min_ts, each sorted; a run of
    // chunks whose time ranges overlap is merged into one block.
    std::vector<ScanBlock> parts;
    Timestamp run_end = reader_->meta().max_ts;
    while (reader_->Valid() && (parts.empty() || reader_->meta().min_ts <= run_end)) {
      run_end = std::max(run_end, reader_->meta().max_ts);
      ScanBlock part;
      auto got = ReadChunk(&part);
      reader_->Next();
      if (!got.ok()) return got.status();
      if (*got && part.size() != 0) parts.push_back(std::move(part));
    }
    if (parts.empty()) continue;
    if (parts.size() == 1) {
      *block = std::move(parts[0]);
    } else {
      MergeBlocks(&parts, block);
    }
    return true;
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
