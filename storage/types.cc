// The data model: kind schemas, the Columns batch and row validation.
#include "liqdb/types.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace liqdb {

const char* SideName(Side side) {
  return side == Side::kLong ? "long" : "short";
}

std::optional<Side> ParseSide(std::string_view text) {
  if (text == "long") return Side::kLong;
  if (text == "short") return Side::kShort;
  return std::nullopt;
}

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kLiquidations: return "liquidations";
    case Kind::kPositions: return "positions";
    case Kind::kMarket: return "market";
  }
  return "?";
}

std::optional<Kind> ParseKind(std::string_view text) {
  if (text == "liquidations") return Kind::kLiquidations;
  if (text == "positions") return Kind::kPositions;
  if (text == "market") return Kind::kMarket;
  return std::nullopt;
}

namespace {
const char* const kLiqNames[] = {"price", "qty", "notional"};
const bool kLiqNullable[] = {false, false, false};
const char* const kPosNames[] = {"size", "entry_price", "leverage", "liq_price"};
// entry_price is NULL on a close row (size 0): a closed position has no entry.
const bool kPosNullable[] = {false, true, true, true};
const char* const kMktNames[] = {"mark_price", "open_interest"};
const bool kMktNullable[] = {false, false};

const KindSchema kLiqSchema{Kind::kLiquidations, true, false, liq_col::kCount, kLiqNames, kLiqNullable};
const KindSchema kPosSchema{Kind::kPositions, true, true, pos_col::kCount, kPosNames, kPosNullable};
const KindSchema kMktSchema{Kind::kMarket, false, false, mkt_col::kCount, kMktNames, kMktNullable};
}  // namespace

const KindSchema& SchemaOf(Kind kind) {
  switch (kind) {
    case Kind::kPositions: return kPosSchema;
    case Kind::kMarket: return kMktSchema;
    case Kind::kLiquidations: break;
  }
  return kLiqSchema;
}

Columns::Columns(Kind k) : kind(k), values(SchemaOf(k).num_values) {}

void Columns::Reserve(size_t n) {
  const KindSchema& s = SchemaOf(kind);
  ts.reserve(n);
  if (s.has_side) side.reserve(n);
  if (s.has_account) account.reserve(n);
  values.resize(s.num_values);
  for (auto& v : values) v.reserve(n);
}

void Columns::Clear() {
  ts.clear();
  side.clear();
  account.clear();
  account_dict.clear();
  account_index_.clear();
  values.assign(SchemaOf(kind).num_values, {});
}

void Columns::ClearAccounts() {
  account.clear();
  account_dict.clear();
  account_index_.clear();
}

void Columns::ClearKeepingCapacity() {
  ts.clear();
  side.clear();
  ClearAccounts();
  values.resize(SchemaOf(kind).num_values);
  for (auto& v : values) v.clear();
}

uint32_t Columns::InternAccount(std::string_view name) {
  if (account_index_.size() != account_dict.size()) {
    account_index_.clear();
    for (uint32_t i = 0; i < account_dict.size(); ++i) account_index_.emplace(account_dict[i], i);
  }
  auto [it, inserted] = account_index_.emplace(std::string(name), 0);
  if (inserted) {
    it->second = static_cast<uint32_t>(account_dict.size());
    account_dict.emplace_back(name);
  }
  return it->second;
}

void Columns::AppendRow(const Columns& other, size_t i) {
  const KindSchema& s = SchemaOf(kind);
  if (values.size() != static_cast<size_t>(s.num_values)) values.resize(s.num_values);
  ts.push_back(other.ts[i]);
  if (s.has_side) side.push_back(other.side[i]);
  if (s.has_account) account.push_back(InternAccount(other.account_dict[other.account[i]]));
  for (int c = 0; c < s.num_values; ++c) values[c].push_back(other.values[c][i]);
}

void Columns::AppendRows(const Columns& other) {
  const KindSchema& s = SchemaOf(kind);
  if (values.size() != static_cast<size_t>(s.num_values)) values.resize(s.num_values);
  ts.insert(ts.end(), other.ts.begin(), other.ts.end());
  if (s.has_side) side.insert(side.end(), other.side.begin(), other.side.end());
  if (s.has_account) {
    // Interned in row order, each name once, as AppendRow would.
    std::vector<int64_t> remap(other.account_dict.size(), -1);
    account.reserve(account.size() + other.size());
    for (uint32_t a : other.account) {
      if (remap[a] < 0) remap[a] = InternAccount(other.account_dict[a]);
      account.push_back(static_cast<uint32_t>(remap[a]));
    }
  }
  for (int c = 0; c < s.num_values; ++c) {
    values[c].insert(values[c].end(), other.values[c].begin(), other.values[c].end());
  }
}

void Columns::AddLiquidation(Timestamp t, Side s, double price, double qty, double notional) {
  if (values.size() != liq_col::kCount) values.resize(liq_col::kCount);
  ts.push_back(t);
  side.push_back(static_cast<uint8_t>(s));
  values[liq_col::kPrice].push_back(price);
  values[liq_col::kQty].push_back(qty);
  values[liq_col::kNotional].push_back(notional);
}

void Columns::AddPosition(Timestamp t, std::string_view acct, Side s, double size, double entry_price,
                          std::optional<double> leverage, std::optional<double> liq_price) {
  if (values.size() != pos_col::kCount) values.resize(pos_col::kCount);
  ts.push_back(t);
  account.push_back(InternAccount(acct));
  side.push_back(static_cast<uint8_t>(s));
  values[pos_col::kSize].push_back(size);
  values[pos_col::kEntryPrice].push_back(entry_price);
  values[pos_col::kLeverage].push_back(leverage ? *leverage : std::nan(""));
  values[pos_col::kLiqPrice].push_back(liq_price ? *liq_price : std::nan(""));
}

void Columns::AddMarket(Timestamp t, double mark_price, double open_interest) {
  if (values.size() != mkt_col::kCount) values.resize(mkt_col::kCount);
  ts.push_back(t);
  values[mkt_col::kMarkPrice].push_back(mark_price);
  values[mkt_col::kOpenInterest].push_back(open_interest);
}

bool Columns::IsSortedByTime() const {
  return std::is_sorted(ts.begin(), ts.end());
}

void Columns::SortByTime() {
  if (IsSortedByTime()) return;
  std::vector<uint32_t> order(ts.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return ts[a] < ts[b]; });
  auto permute = [&](auto& v) {
    if (v.empty()) return;
    auto copy = v;
    for (size_t i = 0; i < order.size(); ++i) v[i] = copy[order[i]];
  };
  permute(ts);
  permute(side);
  permute(account);
  for (auto& v : values) permute(v);
}

namespace {
std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
Status Bad(const char* column, const char* rule, double v) {
  return Status::InvalidArgument(std::string(column) + " must be " + rule + ", got " + Num(v));
}
// NaN counts as NULL only where the caller allows it.
bool Positive(double v) {
  return std::isfinite(v) && v > 0;
}
bool NonNegative(double v) {
  return std::isfinite(v) && v >= 0;
}
}  // namespace

Status ValidateRowValues(Kind kind, const double* v) {
  switch (kind) {
    case Kind::kLiquidations:
      if (!Positive(v[liq_col::kPrice])) return Bad("price", "> 0", v[liq_col::kPrice]);
      if (!NonNegative(v[liq_col::kQty])) return Bad("qty", ">= 0", v[liq_col::kQty]);
      if (!NonNegative(v[liq_col::kNotional])) return Bad("notional", ">= 0", v[liq_col::kNotional]);
      return Status::OK();
    case Kind::kPositions: {
      const double size = v[pos_col::kSize], entry = v[pos_col::kEntryPrice];
      const double lev = v[pos_col::kLeverage], liq = v[pos_col::kLiqPrice];
      if (!NonNegative(size)) return Bad("size", ">= 0", size);
      // A close row (size 0) may omit its entry price; an open one may not.
      if (std::isnan(entry) && size != 0) {
        return Status::InvalidArgument(
            "entry_price must be > 0 (NULL only on a close row, size 0), got NULL");
      }
      if (!std::isnan(entry) && !Positive(entry)) return Bad("entry_price", "> 0", entry);
      if (!std::isnan(lev) && !Positive(lev)) return Bad("leverage", "NULL or > 0", lev);
      if (!std::isnan(liq) && !NonNegative(liq)) return Bad("liq_price", "NULL or >= 0", liq);
      return Status::OK();
    }
    case Kind::kMarket:
      if (!Positive(v[mkt_col::kMarkPrice])) return Bad("mark_price", "> 0", v[mkt_col::kMarkPrice]);
      if (!NonNegative(v[mkt_col::kOpenInterest])) {
        return Bad("open_interest", ">= 0", v[mkt_col::kOpenInterest]);
      }
      return Status::OK();
  }
  return Status::InvalidArgument("unknown kind");
}

Status ValidateRows(const Columns& rows) {
  const KindSchema& s = SchemaOf(rows.kind);
  const size_t n = rows.ts.size();
  if ((s.has_side && rows.side.size() != n) || (s.has_account && rows.account.size() != n) ||
      rows.values.size() != static_cast<size_t>(s.num_values)) {
    return Status::InvalidArgument(std::string("malformed ") + KindName(rows.kind) + " batch");
  }
  for (const auto& v : rows.values) {
    if (v.size() != n) return Status::InvalidArgument("malformed batch: column lengths differ");
  }
  static_assert(liq_col::kCount <= 8 && pos_col::kCount <= 8 && mkt_col::kCount <= 8);
  double values[8];
  for (size_t i = 0; i < n; ++i) {
    auto row = [i] { return "row " + std::to_string(i + 1); };
    if (s.has_side && rows.side[i] > 1) {
      return Status::InvalidArgument(row() + ": side must be 'long' or 'short', got code " +
                                     std::to_string(rows.side[i]));
    }
    if (s.has_account && rows.account[i] >= rows.account_dict.size()) {
      return Status::InvalidArgument(row() + ": account index out of range");
    }
    for (int c = 0; c < s.num_values; ++c) values[c] = rows.values[c][i];
    Status v = ValidateRowValues(rows.kind, values);
    if (!v.ok()) return v.WithContext(row());
  }
  return Status::OK();
}

}  // namespace liqdb
