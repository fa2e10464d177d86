// The CSV sources: liqdb's own CSV, Tardis.dev `liquidations` and
// `derivative_ticker`, and Binance's COIN-M `liquidationSnapshot` archive.
//
// Lines are split on commas in place; numbers go through fast_float. Each
// adapter accepts its header wherever it appears (concatenated daily files
// repeat it).
#include <algorithm>
#include <optional>
#include <string>
#include <unordered_set>

#include "ingest/adapter_util.h"

namespace liqdb::ingest {

namespace {

// ---- liqdb's own CSV --------------------------------------------------------

// Column roles of liqdb's CSV.
enum Col : int { kTs, kExchange, kSymbol, kSide, kAccount, kV0, kV1, kV2, kV3, kNumCols };

class CsvAdapter : public Adapter {
 public:
  explicit CsvAdapter(const IngestOptions& o) : forced_kind_(o.kind) {}
  Format format() const override { return Format::kCsv; }

  Status BeginFile(std::string_view) override {
    header_ = false;
    file_kind_.reset();
    return Status::OK();
  }
  void EndFile(bool) override {}

  Status ParseLine(std::string_view line, RowBuffer* out, LineStats*) override {
    std::string_view* const f = fields_;
    size_t n = SplitCsv(line, f, 11);
    if (n > 11) return Status::InvalidArgument("too many fields");
    Timestamp ts;
    std::string_view first = Trim(f[0]);
    if (!ParseTimeField(first, &ts)) {
      if (EqualsNoCase(first, "ts") || EqualsNoCase(first, "timestamp") || EqualsNoCase(first, "time")) {
        return ReadHeader(f, n);
      }
      return BadValue("bad ts", first);
    }
    if (!header_) SetDefaultLayout(n);
    if (n != ncols_) {
      return Status::InvalidArgument("expected " + std::to_string(ncols_) + " fields for " + KindName(kind_) +
                                     ", got " + std::to_string(n));
    }
    auto field = [&](int role) { return Trim(f[pos_[role]]); };
    std::string_view exchange = field(kExchange);
    std::string_view symbol = field(kSymbol);
    if (exchange.empty()) return Status::InvalidArgument("empty exchange");
    if (symbol.empty()) return Status::InvalidArgument("empty symbol");
    if (std::any_of(exchange.begin(), exchange.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
      lower_.assign(exchange);
      for (char& c : lower_) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      exchange = lower_;
    }
    Side side = Side::kLong;
    if (kind_ != Kind::kMarket) {
      std::string_view s = field(kSide);
      auto parsed = ParseSide(s);
      if (!parsed) return BadValue("side must be 'long' or 'short', got", s);
      side = *parsed;
    }
    double v[4] = {0, 0, 0, 0};
    const KindSchema& schema = SchemaOf(kind_);
    const int nv = schema.num_values;
    for (int c = 0; c < nv; ++c) {
      if (pos_[kV0 + c] < 0) {  // notional omitted
        v[c] = std::nan("");
        continue;
      }
      std::string_view t = field(kV0 + c);
      const bool nullable = schema.value_nullable[c];
      if (nullable && (t.empty() || EqualsNoCase(t, "null") || EqualsNoCase(t, "nan"))) {
        v[c] = std::nan("");
        continue;
      }
      if (kind_ == Kind::kLiquidations && c == liq_col::kNotional && t.empty()) {
        v[c] = std::nan("");
        continue;
      }
      if (!ParseDouble(t, &v[c])) {
        return BadValue(std::string("bad ") + schema.value_names[c], t);
      }
    }
    Columns* cols = out->Series(kind_, exchange, symbol);
    switch (kind_) {
      case Kind::kLiquidations: {
        if (std::isnan(v[2])) v[2] = v[0] * v[1];
        LIQDB_RETURN_IF_ERROR(CheckLiquidation(v[0], v[1], v[2]));
        cols->AddLiquidation(ts, side, v[0], v[1], v[2]);
        break;
      }
      case Kind::kPositions: {
        LIQDB_RETURN_IF_ERROR(CheckPosition(v[0], v[1], v[2], v[3]));
        std::string_view account = field(kAccount);
        if (account.empty()) return Status::InvalidArgument("empty account");
        cols->AddPosition(ts, account, side, v[0], v[1],
                          std::isnan(v[2]) ? std::nullopt : std::optional<double>(v[2]),
                          std::isnan(v[3]) ? std::nullopt : std::optional<double>(v[3]));
        break;
      }
      case Kind::kMarket: {
        LIQDB_RETURN_IF_ERROR(CheckMarket(v[0], v[1]));
        cols->AddMarket(ts, v[0], v[1]);
        break;
      }
    }
    out->NoteRows(1);
    return Status::OK();
  }

 private:
  // Column layout of a headerless line: --kind, else the field count of the
  // file's first data line. The kind then holds for the whole file, so a
  // stray 9-field line in a liquidations file is an error, not a position.
  void SetDefaultLayout(size_t n) {
    Kind k = forced_kind_ ? *forced_kind_
             : file_kind_ ? *file_kind_
             : n == 9     ? Kind::kPositions
             : n == 5     ? Kind::kMarket
                          : Kind::kLiquidations;
    file_kind_ = k;
    std::fill(std::begin(pos_), std::end(pos_), -1);
    pos_[kTs] = 0;
    pos_[kExchange] = 1;
    pos_[kSymbol] = 2;
    kind_ = k;
    switch (k) {
      case Kind::kLiquidations:
        pos_[kSide] = 3, pos_[kV0] = 4, pos_[kV1] = 5;
        pos_[kV2] = n == 7 ? 6 : -1;
        ncols_ = n == 7 ? 7 : 6;
        break;
      case Kind::kPositions:
        pos_[kAccount] = 3, pos_[kSide] = 4;
        for (int c = 0; c < 4; ++c) pos_[kV0 + c] = 5 + c;
        ncols_ = 9;
        break;
      case Kind::kMarket:
        pos_[kV0] = 3, pos_[kV1] = 4;
        ncols_ = 5;
        break;
    }
  }

  // A header names the columns (in any order) and so the kind.
  Status ReadHeader(const std::string_view* f, size_t n) {
    std::vector<std::string> names;
    for (size_t i = 0; i < n; ++i) {
      std::string s(Trim(f[i]));
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      names.push_back(s);
    }
    auto has = [&](const char* name) { return std::find(names.begin(), names.end(), name) != names.end(); };
    Kind k = has("account") || has("entry_price") ? Kind::kPositions
             : has("mark_price")                  ? Kind::kMarket
                                                  : Kind::kLiquidations;
    if (forced_kind_ && *forced_kind_ != k) {
      return Status::InvalidArgument(std::string("header is of a ") + KindName(k) + " file but --kind is " +
                                     KindName(*forced_kind_));
    }
    int pos[kNumCols];
    std::fill(std::begin(pos), std::end(pos), -1);
    const KindSchema& schema = SchemaOf(k);
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& s = names[i];
      int role = -1;
      if (s == "ts" || s == "timestamp" || s == "time")
        role = kTs;
      else if (s == "exchange")
        role = kExchange;
      else if (s == "symbol")
        role = kSymbol;
      else if (s == "side" && schema.has_side)
        role = kSide;
      else if (s == "account" && schema.has_account)
        role = kAccount;
      else {
        for (int c = 0; c < schema.num_values; ++c) {
          if (s == schema.value_names[c]) role = kV0 + c;
        }
      }
      if (role < 0) return Status::InvalidArgument("unknown column '" + s + "' for " + KindName(k));
      if (pos[role] >= 0) return Status::InvalidArgument("column '" + s + "' twice");
      pos[role] = static_cast<int>(i);
    }
    auto need = [&](int role, const char* name) -> Status {
      if (pos[role] < 0) return Status::InvalidArgument(std::string("header lacks column '") + name + "'");
      return Status::OK();
    };
    LIQDB_RETURN_IF_ERROR(need(kTs, "ts"));
    LIQDB_RETURN_IF_ERROR(need(kExchange, "exchange"));
    LIQDB_RETURN_IF_ERROR(need(kSymbol, "symbol"));
    if (schema.has_side) LIQDB_RETURN_IF_ERROR(need(kSide, "side"));
    if (schema.has_account) LIQDB_RETURN_IF_ERROR(need(kAccount, "account"));
    for (int c = 0; c < schema.num_values; ++c) {
      bool optional = schema.value_nullable[c] || (k == Kind::kLiquidations && c == liq_col::kNotional);
      if (!optional) LIQDB_RETURN_IF_ERROR(need(kV0 + c, schema.value_names[c]));
    }
    std::copy(std::begin(pos), std::end(pos), std::begin(pos_));
    kind_ = k;
    ncols_ = n;
    header_ = true;
    return Status::OK();
  }

  // Fields of the current line: a member, since zeroing an array on every
  // line (the string_views' constructors) cost more than splitting it.
  std::string_view fields_[12];
  std::optional<Kind> forced_kind_;
  bool header_ = false;
  std::optional<Kind> file_kind_;  // the kind of a headerless file, from its first line
  Kind kind_ = Kind::kLiquidations;
  size_t ncols_ = 0;
  int pos_[kNumCols] = {};
  std::string lower_;
};

// ---- Tardis liquidations ------------------------------------------------------

class TardisLiquidationsAdapter : public Adapter {
 public:
  explicit TardisLiquidationsAdapter(const IngestOptions& o) : contracts_(&o.contract_sizes) {}
  Format format() const override { return Format::kTardisLiquidations; }
  Status BeginFile(std::string_view) override {
    ids_.clear();
    return Status::OK();
  }
  void EndFile(bool) override { ids_.clear(); }

  // exchange,symbol,timestamp,local_timestamp,id,side,price,amount
  Status ParseLine(std::string_view line, RowBuffer* out, LineStats* stats) override {
    std::string_view* const f = fields_;
    size_t n = SplitCsv(line, f, 8);
    if (n != 8) {
      return Status::InvalidArgument("expected 8 fields, got " +
                                     std::string(n > 8 ? "more" : std::to_string(n)));
    }
    if (f[0] == "exchange" && f[2] == "timestamp") return Status::OK();  // header
    Timestamp ts;
    if (!ParseInt64(f[2], &ts)) return BadValue("bad timestamp", f[2]);
    Side side;
    if (!PositionSideFromOrder(f[5], &side)) return BadValue("bad side", f[5]);
    double price, amount;
    if (!ParseDouble(f[6], &price)) return BadValue("bad price", f[6]);
    if (!ParseDouble(f[7], &amount)) return BadValue("bad amount", f[7]);
    std::string_view exchange = MapTardisExchange(f[0]);
    if (exchange.empty()) return Status::InvalidArgument("empty exchange");
    if (f[1].empty()) return Status::InvalidArgument("empty symbol");
    Result<ContractSpec> spec = contracts_.Get(exchange, f[1]);
    if (!spec.ok()) return spec.status();
    double qty, notional;
    ApplyContract(*spec, amount, price, &qty, &notional);
    LIQDB_RETURN_IF_ERROR(CheckLiquidation(price, qty, notional));
    if (!f[4].empty()) {
      // The venue's own id: a repeat within the file is the same liquidation.
      std::string key(f[0]);
      key.push_back('\0');
      key.append(f[1]).push_back('\0');
      key.append(f[4]);
      if (!ids_.insert(std::move(key)).second) {
        ++stats->repeats;
        return Status::OK();
      }
    }
    out->Series(Kind::kLiquidations, exchange, f[1])->AddLiquidation(ts, side, price, qty, notional);
    out->NoteRows(1);
    return Status::OK();
  }

 private:
  std::string_view fields_[9];  // the current line's (see CsvAdapter)
  ContractCache contracts_;
  std::unordered_set<std::string> ids_;
};

// ---- Tardis derivative_ticker -------------------------------------------------

class TardisTickerAdapter : public Adapter {
 public:
  explicit TardisTickerAdapter(const IngestOptions& o) : contracts_(&o.contract_sizes) {}
  Format format() const override { return Format::kTardisDerivativeTicker; }
  Status BeginFile(std::string_view) override { return Status::OK(); }
  void EndFile(bool) override {}

  // exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,
  // predicted_funding_rate,open_interest,last_price,index_price,mark_price
  Status ParseLine(std::string_view line, RowBuffer* out, LineStats* stats) override {
    std::string_view* const f = fields_;
    size_t n = SplitCsv(line, f, 11);
    if (n != 11) {
      return Status::InvalidArgument("expected 11 fields, got " +
                                     std::string(n > 11 ? "more" : std::to_string(n)));
    }
    if (f[0] == "exchange" && f[2] == "timestamp") return Status::OK();  // header
    Timestamp ts;
    if (!ParseInt64(f[2], &ts)) return BadValue("bad timestamp", f[2]);
    if (f[10].empty() || f[7].empty()) {
      ++stats->skipped;  // a ticker update without mark price or open interest
      return Status::OK();
    }
    double mark, oi;
    if (!ParseDouble(f[10], &mark)) return BadValue("bad mark_price", f[10]);
    if (!ParseDouble(f[7], &oi)) return BadValue("bad open_interest", f[7]);
    LIQDB_RETURN_IF_ERROR(CheckMarket(mark, oi));
    std::string_view exchange = MapTardisExchange(f[0]);
    if (exchange.empty() || f[1].empty()) return Status::InvalidArgument("empty exchange or symbol");
    // Open interest is venue-native too (OKX: contracts; inverse: USD): to base units.
    Result<ContractSpec> spec = contracts_.Get(exchange, f[1]);
    if (!spec.ok()) return spec.status();
    double oi_base, oi_notional;
    ApplyContract(*spec, oi, mark, &oi_base, &oi_notional);
    out->Series(Kind::kMarket, exchange, f[1])->AddMarket(ts, mark, oi_base);
    out->NoteRows(1);
    return Status::OK();
  }

 private:
  std::string_view fields_[12];  // the current line's (see CsvAdapter)
  ContractCache contracts_;
};

// ---- Binance COIN-M liquidationSnapshot ------------------------------------

class BinanceSnapshotAdapter : public Adapter {
 public:
  explicit BinanceSnapshotAdapter(const IngestOptions& o)
      : forced_symbol_(o.symbol), contracts_(&o.contract_sizes) {}
  Format format() const override { return Format::kBinanceLiquidationSnapshot; }

  // The symbol is the file name's prefix: BTCUSD_PERP-liquidationSnapshot-2024-06-10.csv.
  Status BeginFile(std::string_view name) override {
    seen_.clear();
    if (!forced_symbol_.empty()) {
      symbol_ = forced_symbol_;
      return Status::OK();
    }
    size_t slash = name.find_last_of('/');
    std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
    size_t at = base.find("-liquidationSnapshot");
    if (at == std::string_view::npos || at == 0) {
      return Status::InvalidArgument(std::string(name) +
                                     ": cannot tell the symbol from the file name (expected "
                                     "SYMBOL-liquidationSnapshot-DATE.csv); pass --symbol");
    }
    symbol_.assign(base.substr(0, at));
    return Status::OK();
  }
  void EndFile(bool) override { seen_.clear(); }

  // time,side,order_type,time_in_force,original_quantity,price,average_price,
  // order_status,last_fill_quantity,accumulated_fill_quantity
  Status ParseLine(std::string_view line, RowBuffer* out, LineStats* stats) override {
    std::string_view* const f = fields_;
    size_t n = SplitCsv(line, f, 10);
    if (n != 10) {
      return Status::InvalidArgument("expected 10 fields, got " +
                                     std::string(n > 10 ? "more" : std::to_string(n)));
    }
    if (f[0] == "time") return Status::OK();  // header
    int64_t ms;
    Timestamp ts;
    if (!ParseInt64(f[0], &ms) || !MillisToMicros(ms, &ts)) return BadValue("bad time", f[0]);
    Side side;
    if (!PositionSideFromOrder(f[1], &side)) return BadValue("bad side", f[1]);
    if (f[7] != "FILLED") {
      ++stats->skipped;
      return Status::OK();
    }
    double avg, contracts;
    if (!ParseDouble(f[6], &avg)) return BadValue("bad average_price", f[6]);
    if (!ParseDouble(f[9], &contracts)) return BadValue("bad accumulated_fill_quantity", f[9]);
    Result<ContractSpec> spec = contracts_.Get("binance", symbol_);
    if (!spec.ok()) return spec.status();
    double qty, notional;
    ApplyContract(*spec, contracts, avg, &qty, &notional);
    LIQDB_RETURN_IF_ERROR(CheckLiquidation(avg, qty, notional));
    // These archives repeat rows exactly: a repeated line is one liquidation.
    if (!seen_.emplace(line).second) {
      ++stats->repeats;
      return Status::OK();
    }
    out->Series(Kind::kLiquidations, "binance", symbol_)->AddLiquidation(ts, side, avg, qty, notional);
    out->NoteRows(1);
    return Status::OK();
  }

 private:
  std::string forced_symbol_;
  std::string symbol_;
  std::string_view fields_[11];  // the current line's (see CsvAdapter)
  ContractCache contracts_;
  std::unordered_set<std::string> seen_;
};

}  // namespace

std::unique_ptr<Adapter> MakeCsvAdapter(const IngestOptions& o) {
  return std::make_unique<CsvAdapter>(o);
}
std::unique_ptr<Adapter> MakeTardisLiquidationsAdapter(const IngestOptions& o) {
  return std::make_unique<TardisLiquidationsAdapter>(o);
}
std::unique_ptr<Adapter> MakeTardisTickerAdapter(const IngestOptions& o) {
  return std::make_unique<TardisTickerAdapter>(o);
}
std::unique_ptr<Adapter> MakeBinanceSnapshotAdapter(const IngestOptions& o) {
  return std::make_unique<BinanceSnapshotAdapter>(o);
}

}  // namespace liqdb::ingest
