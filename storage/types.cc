// The data model: kind schemas, the Columns batch and row validation.
#include "liqdb/types.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace liqdb {

const char* SideName(Side side) { return side == Side::kLong ? "long" : "short"; }

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
const bool kPosNullable[] = {false, false, true, true};
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

void Columns::AddLiquidation(Timestamp t, Side s, double price, double qty, double notional) {
  if (values.size() != liq_col::kCount) values.resize(liq_col::kCount);
  ts.push_back(t);
  side.push_back(static_cast<uint8_t>(s));
  values[liq_col::kPrice].push_back(price);
  values[liq_col::kQty].push_back(qty);
  values[liq_col::kNotional].push_back(notional);
}

void Columns::AddPosition(Timestamp t, std::string_view acct, Side s, double size,
                          double entry_price, std::optional<double> leverage,
                          std::optional<double> liq_price) {
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

bool Columns::IsSortedByTime() const { return std::is_sorted(ts.begin(), ts.end()); }

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
std::string RowError(const Columns& rows, size_t i, const char* column, const std::string& what) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "row %zu: ", i + 1);
  (void)rows;
  return std::string(buf) + column + " " + what;
}
std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
}  // namespace

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
  for (size_t i = 0; i < n; ++i) {
    if (s.has_side && rows.side[i] > 1) {
      return Status::InvalidArgument(RowError(rows, i, "side", "must be 'long' or 'short', got code " +
                                                                   std::to_string(rows.side[i])));
    }
    if (s.has_account && rows.account[i] >= rows.account_dict.size()) {
      return Status::InvalidArgument(RowError(rows, i, "account", "index out of range"));
    }
    for (int c = 0; c < s.num_values; ++c) {
      const double v = rows.values[c][i];
      const char* name = s.value_names[c];
      if (std::isnan(v) && s.value_nullable[c]) continue;
      if (!std::isfinite(v)) return Status::InvalidArgument(RowError(rows, i, name, "must be a finite number, got " + Num(v)));
      if (v < 0) return Status::InvalidArgument(RowError(rows, i, name, "must not be negative, got " + Num(v)));
    }
    if (rows.kind == Kind::kPositions) {
      const double entry = rows.values[pos_col::kEntryPrice][i];
      if (!(entry > 0)) return Status::InvalidArgument(RowError(rows, i, "entry_price", "must be > 0, got " + Num(entry)));
      const double lev = rows.values[pos_col::kLeverage][i];
      if (!std::isnan(lev) && !(lev > 0)) return Status::InvalidArgument(RowError(rows, i, "leverage", "must be > 0, got " + Num(lev)));
    }
    if (rows.kind == Kind::kMarket) {
      const double mark = rows.values[mkt_col::kMarkPrice][i];
      if (!(mark > 0)) return Status::InvalidArgument(RowError(rows, i, "mark_price", "must be > 0, got " + Num(mark)));
    }
  }
  return Status::OK();
}

}  // namespace liqdb
