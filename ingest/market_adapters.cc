// The live market-sample sources (mark price + open interest -> market rows):
// Binance USDⓈ-M/COIN-M markPriceUpdate events with openInterest REST
// responses, Bybit v5 tickers, OKX mark-price and open-interest pushes,
// Hyperliquid metaAndAssetCtxs responses. docs/ingest.md ("Market samples")
// states each rule; the shapes come from the venues' documentation.
//
// A market row needs both values. Where a venue sends them apart (Binance,
// OKX), the adapter remembers the latest mark price per symbol and writes a
// row for each open-interest sample, at the sample's time, with that mark
// price if it is at most kMaxMarkAge away in time (else the sample is
// skipped). Bybit's ticker carries both, as a snapshot then deltas of the
// changed fields: the adapter keeps each symbol's ticker and writes a row for
// each message that carries open interest. Open interest is stored in base
// units (contracts converted with LookupContract, as every adapter does).
#include <map>
#include <vector>

#include "ingest/json_util.h"

namespace liqdb::ingest {

namespace {

using namespace simdjson;

// How far apart a mark price and an open-interest sample may be to make a row.
constexpr Timestamp kMaxMarkAge = 60 * kMicrosPerSecond;

bool IsNull(ondemand::value v) {
  ondemand::json_type t;
  return v.type().get(t) == SUCCESS && t == ondemand::json_type::null;
}

Status GetString(ondemand::value v, std::string_view field, std::string_view* out) {
  if (auto e = v.get_string().get(*out)) return JsonError(e, field);
  return Status::OK();
}

// The latest mark price of each symbol, for pairing with open interest.
class MarkBook {
 public:
  void Update(const std::string& symbol, Timestamp ts, double mark) {
    auto [it, fresh] = marks_.try_emplace(symbol, Mark{ts, mark});
    if (!fresh && ts >= it->second.ts) it->second = Mark{ts, mark};
  }
  // The mark price to pair with a sample at `ts`, if one is close enough.
  bool Find(const std::string& symbol, Timestamp ts, double* mark) const {
    auto it = marks_.find(symbol);
    if (it == marks_.end()) return false;
    const Timestamp d = ts > it->second.ts ? ts - it->second.ts : it->second.ts - ts;
    if (d > kMaxMarkAge) return false;
    *mark = it->second.price;
    return true;
  }

 private:
  struct Mark {
    Timestamp ts;
    double price;
  };
  std::map<std::string, Mark, std::less<>> marks_;
};

struct MarketRow {
  std::string symbol;
  Timestamp ts;
  double mark, oi;
};

// Converts open interest in venue units at `mark` into base units and checks the row.
Status MakeRow(std::string_view exchange, const std::string& symbol, Timestamp ts, double mark,
               double oi_native, const std::map<std::string, double>& overrides,
               std::vector<MarketRow>* rows) {
  Result<ContractSpec> spec = LookupContract(exchange, symbol, overrides);
  if (!spec.ok()) return spec.status();
  double oi = 0, notional = 0;
  ApplyContract(*spec, oi_native, mark, &oi, &notional);
  LIQDB_RETURN_IF_ERROR(CheckMarket(mark, oi));
  rows->push_back({symbol, ts, mark, oi});
  return Status::OK();
}

void AddRows(std::string_view exchange, const std::vector<MarketRow>& rows, RowBuffer* out) {
  for (const MarketRow& r : rows)
    out->Series(Kind::kMarket, exchange, r.symbol)->AddMarket(r.ts, r.mark, r.oi);
  out->NoteRows(rows.size());
}

// ---- Binance ------------------------------------------------------------------

// markPriceUpdate {"e","E","s","p",…}, alone, as the !markPrice@arr array or
// in the combined stream's {"stream","data"}; openInterest responses
// {"openInterest","symbol","time"} (COIN-M adds "pair", "contractType").
class BinanceMarkPriceAdapter : public Adapter {
 public:
  explicit BinanceMarkPriceAdapter(const IngestOptions& o) : overrides_(&o.contract_sizes) {}
  Format format() const override { return Format::kBinanceMarkPrice; }
  Status BeginFile(std::string_view) override { return Status::OK(); }
  void EndFile(bool) override {}

  Status ParseLine(std::string_view line, RowBuffer* out, LineStats* stats) override {
    ondemand::document doc;
    if (auto e = parser_.iterate(Padded(line)).get(doc)) return JsonError(e);
    ondemand::value top;
    if (auto e = doc.get_value().get(top)) return JsonError(e);
    items_.clear();
    LIQDB_RETURN_IF_ERROR(ParseValue(top, 0));
    if (items_.empty()) return Status::InvalidArgument("no markPriceUpdate event or openInterest response");
    std::vector<MarketRow> rows;
    for (const Item& it : items_) {
      if (it.symbol.empty())
        return Status::InvalidArgument(it.is_oi ? "missing symbol" : "missing s (symbol)");
      if (!it.has_time) return Status::InvalidArgument(it.is_oi ? "missing time" : "missing E (event time)");
      if (!it.has_value)
        return Status::InvalidArgument(it.is_oi ? "missing openInterest" : "missing p (mark price)");
      if (it.is_oi) continue;
      LIQDB_RETURN_IF_ERROR(CheckMarket(it.value, 0));
    }
    // The whole line parsed: apply mark prices first (an array holds one
    // event per symbol), then pair open interest with them.
    for (const Item& it : items_) {
      if (!it.is_oi) {
        marks_.Update(it.symbol, it.ts, it.value);
        ++stats->skipped;  // a mark price alone is no row
      }
    }
    for (const Item& it : items_) {
      if (!it.is_oi) continue;
      double mark = 0;
      if (!marks_.Find(it.symbol, it.ts, &mark)) {
        ++stats->skipped;  // no mark price within kMaxMarkAge
        continue;
      }
      LIQDB_RETURN_IF_ERROR(MakeRow("binance", it.symbol, it.ts, mark, it.value, *overrides_, &rows));
    }
    AddRows("binance", rows, out);
    return Status::OK();
  }

 private:
  struct Item {
    bool is_oi = false, has_time = false, has_value = false;
    std::string symbol;
    Timestamp ts = 0;
    double value = 0;  // mark price, or open interest in venue units
  };

  Status ParseValue(ondemand::value v, int depth) {
    ondemand::json_type t;
    if (auto e = v.type().get(t)) return JsonError(e);
    if (t == ondemand::json_type::array) {
      ondemand::array arr;
      if (auto e = v.get_array().get(arr)) return JsonError(e);
      for (auto er : arr) {
        ondemand::value ev;
        if (auto e = er.get(ev)) return JsonError(e);
        ondemand::object obj;
        if (auto e = ev.get_object().get(obj)) return JsonError(e, "[]");
        LIQDB_RETURN_IF_ERROR(ParseObject(obj, depth));
      }
      return Status::OK();
    }
    ondemand::object obj;
    if (auto e = v.get_object().get(obj)) return JsonError(e);
    return ParseObject(obj, depth);
  }

  Status ParseObject(ondemand::object obj, int depth) {
    Item it;
    bool event = false;
    for (auto fr : obj) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return JsonError(e);
      ondemand::raw_json_string key;
      key = f.key();
      if (key == "data" && depth == 0) {
        return ParseValue(f.value(), depth + 1);  // the combined stream's wrapper
      } else if (key == "e") {
        std::string_view ev;
        LIQDB_RETURN_IF_ERROR(GetString(f.value(), "e", &ev));
        if (ev != "markPriceUpdate") return BadValue("not a markPriceUpdate event:", ev);
        event = true;
      } else if (key == "s" || key == "symbol") {
        std::string_view s;
        LIQDB_RETURN_IF_ERROR(GetString(f.value(), key == "s" ? "s" : "symbol", &s));
        it.symbol.assign(s);
      } else if (key == "E" || key == "time") {
        LIQDB_RETURN_IF_ERROR(GetMillis(f.value(), key == "E" ? "E" : "time", &it.ts));
        it.has_time = true;
      } else if (key == "p") {
        LIQDB_RETURN_IF_ERROR(GetNumber(f.value(), "p", &it.value));
        it.has_value = true;
      } else if (key == "openInterest") {
        LIQDB_RETURN_IF_ERROR(GetNumber(f.value(), "openInterest", &it.value));
        it.has_value = true;
        it.is_oi = true;
      }
    }
    if (event && it.is_oi) return Status::InvalidArgument("both a markPriceUpdate and an openInterest");
    if (!event && !it.is_oi)
      return Status::InvalidArgument("neither a markPriceUpdate event nor an openInterest response");
    items_.push_back(std::move(it));
    return Status::OK();
  }

  const std::map<std::string, double>* overrides_;
  ondemand::parser parser_;
  std::vector<Item> items_;
  MarkBook marks_;
};

// ---- Bybit tickers -------------------------------------------------------------

// {"topic":"tickers.BTCUSDT","type":"snapshot"|"delta","data":{"symbol",
// "markPrice","openInterest",…},"ts":ms}. Linear openInterest is in the
// base coin, inverse in USD contracts (the contract table says which).
class BybitTickerAdapter : public Adapter {
 public:
  explicit BybitTickerAdapter(const IngestOptions& o) : overrides_(&o.contract_sizes) {}
  Format format() const override { return Format::kBybitTicker; }
  Status BeginFile(std::string_view) override { return Status::OK(); }
  void EndFile(bool) override {}

  Status ParseLine(std::string_view line, RowBuffer* out, LineStats* stats) override {
    ondemand::document doc;
    if (auto e = parser_.iterate(Padded(line)).get(doc)) return JsonError(e);
    ondemand::object top;
    if (auto e = doc.get_object().get(top)) return JsonError(e);
    std::string_view topic, type;
    std::string symbol;
    bool has_ts = false, has_data = false, has_mark = false, has_oi = false;
    Timestamp ts = 0;
    double mark = 0, oi = 0;
    for (auto fr : top) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return JsonError(e);
      ondemand::raw_json_string key;
      key = f.key();
      if (key == "op" || key == "success") return Status::InvalidArgument("a reply to a request, not data");
      if (key == "topic") {
        LIQDB_RETURN_IF_ERROR(GetString(f.value(), "topic", &topic));
        topic_buf_.assign(topic);
        topic = topic_buf_;
      } else if (key == "type") {
        LIQDB_RETURN_IF_ERROR(GetString(f.value(), "type", &type));
        type_buf_.assign(type);
        type = type_buf_;
      } else if (key == "ts") {
        LIQDB_RETURN_IF_ERROR(GetMillis(f.value(), "ts", &ts));
        has_ts = true;
      } else if (key == "data") {
        has_data = true;
        ondemand::object data;
        if (auto e = f.value().get_object().get(data)) return JsonError(e, "data");
        for (auto dr : data) {
          ondemand::field d;
          if (auto e = std::move(dr).get(d)) return JsonError(e);
          ondemand::raw_json_string dk;
          dk = d.key();
          if (dk == "symbol") {
            std::string_view s;
            LIQDB_RETURN_IF_ERROR(GetString(d.value(), "data.symbol", &s));
            symbol.assign(s);
          } else if (dk == "markPrice") {
            LIQDB_RETURN_IF_ERROR(GetNumber(d.value(), "data.markPrice", &mark));
            has_mark = true;
          } else if (dk == "openInterest") {
            LIQDB_RETURN_IF_ERROR(GetNumber(d.value(), "data.openInterest", &oi));
            has_oi = true;
          }
        }
      }
    }
    if (!topic.starts_with("tickers.")) return BadValue("not a tickers topic:", topic);
    if (!has_data) return Status::InvalidArgument("no 'data'");
    if (!has_ts) return Status::InvalidArgument("missing ts");
    if (type != "snapshot" && type != "delta") return BadValue("bad type", type);
    if (symbol.empty()) symbol.assign(topic.substr(8));
    if (has_mark) LIQDB_RETURN_IF_ERROR(CheckMarket(mark, 0));
    if (has_oi && !(oi >= 0)) return Status::InvalidArgument("data.openInterest must be >= 0");
    Ticker next = type == "snapshot" ? Ticker{} : tickers_[symbol];
    if (has_mark) next.mark = mark, next.has_mark = true;
    if (has_oi) next.oi = oi, next.has_oi = true;
    std::vector<MarketRow> rows;
    if (has_oi && next.has_mark) {
      LIQDB_RETURN_IF_ERROR(MakeRow("bybit", symbol, ts, next.mark, next.oi, *overrides_, &rows));
    } else {
      ++stats->skipped;  // no open interest in this message, or no mark price known yet
    }
    tickers_[symbol] = next;
    AddRows("bybit", rows, out);
    return Status::OK();
  }

 private:
  struct Ticker {
    bool has_mark = false, has_oi = false;
    double mark = 0, oi = 0;
  };
  const std::map<std::string, double>* overrides_;
  ondemand::parser parser_;
  std::map<std::string, Ticker> tickers_;
  std::string topic_buf_, type_buf_;
};

// ---- OKX mark-price and open-interest --------------------------------------------

// {"arg":{"channel":"mark-price",…},"data":[{"instId","markPx","ts"}]} and
// {"arg":{"channel":"open-interest",…},"data":[{"instId","oi","oiCcy","ts"}]}:
// oi is in contracts (converted with the contract table; oiCcy is not used).
class OkxMarketAdapter : public Adapter {
 public:
  OkxMarketAdapter(const IngestOptions& o, Format format) : overrides_(&o.contract_sizes), format_(format) {}
  Format format() const override { return format_; }
  Status BeginFile(std::string_view) override { return Status::OK(); }
  void EndFile(bool) override {}

  Status ParseLine(std::string_view line, RowBuffer* out, LineStats* stats) override {
    items_.clear();
    LIQDB_RETURN_IF_ERROR(
        ForEachOkxDataItem(parser_, line, [&](ondemand::object obj) { return ParseItem(obj); }));
    for (const Item& it : items_) {
      if (!it.is_oi) {
        marks_.Update(it.inst, it.ts, it.value);
        ++stats->skipped;
      }
    }
    std::vector<MarketRow> rows;
    for (const Item& it : items_) {
      if (!it.is_oi) continue;
      double mark = 0;
      if (!marks_.Find(it.inst, it.ts, &mark)) {
        ++stats->skipped;
        continue;
      }
      LIQDB_RETURN_IF_ERROR(MakeRow("okx", it.inst, it.ts, mark, it.value, *overrides_, &rows));
    }
    AddRows("okx", rows, out);
    return Status::OK();
  }

 private:
  struct Item {
    bool is_oi = false;
    std::string inst;
    Timestamp ts = 0;
    double value = 0;
  };

  Status ParseItem(ondemand::object obj) {
    Item it;
    bool ts = false, mark = false, oi = false;
    for (auto fr : obj) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return JsonError(e);
      ondemand::raw_json_string key;
      key = f.key();
      if (key == "instId") {
        std::string_view s;
        LIQDB_RETURN_IF_ERROR(GetString(f.value(), "instId", &s));
        it.inst.assign(s);
      } else if (key == "ts") {
        LIQDB_RETURN_IF_ERROR(GetMillis(f.value(), "ts", &it.ts));
        ts = true;
      } else if (key == "markPx") {
        LIQDB_RETURN_IF_ERROR(GetNumber(f.value(), "markPx", &it.value));
        mark = true;
      } else if (key == "oi") {
        LIQDB_RETURN_IF_ERROR(GetNumber(f.value(), "oi", &it.value));
        oi = true;
      }
    }
    if (it.inst.empty()) return Status::InvalidArgument("missing instId");
    if (!ts) return Status::InvalidArgument("missing ts");
    if (mark == oi) return Status::InvalidArgument("data[] has neither markPx nor oi (or both)");
    if (mark) LIQDB_RETURN_IF_ERROR(CheckMarket(it.value, 0));
    if (oi && !(it.value >= 0)) return Status::InvalidArgument("oi must be >= 0");
    it.is_oi = oi;
    items_.push_back(std::move(it));
    return Status::OK();
  }

  const std::map<std::string, double>* overrides_;
  const Format format_;
  ondemand::parser parser_;
  std::vector<Item> items_;
  MarkBook marks_;
};

// ---- Hyperliquid metaAndAssetCtxs ------------------------------------------------

// [{"universe":[{"name":"BTC",…},…]},[{"markPx":"…","openInterest":"…",…},…]]:
// the i-th context is the i-th universe entry's (a context that names its
// coin must name that one). The response has no time:
// the sample's is the receive time (SetReceiveTime: the liqdb-raw line's
// recv). openInterest is in coins. Delisted assets and contexts without a
// mark price are skipped.
class HyperliquidAssetCtxsAdapter : public Adapter {
 public:
  explicit HyperliquidAssetCtxsAdapter(const IngestOptions&) {}
  Format format() const override { return Format::kHyperliquidAssetCtxs; }
  Status BeginFile(std::string_view) override { return Status::OK(); }
  void EndFile(bool) override {}
  void SetReceiveTime(Timestamp recv_us) override { recv_ = recv_us; }

  Status ParseLine(std::string_view line, RowBuffer* out, LineStats* stats) override {
    ondemand::document doc;
    if (auto e = parser_.iterate(Padded(line)).get(doc)) return JsonError(e);
    ondemand::array top;
    if (auto e = doc.get_array().get(top)) return JsonError(e, "metaAndAssetCtxs [meta, ctxs]");
    names_.clear();
    ctxs_.clear();
    int part = 0;
    for (auto vr : top) {
      ondemand::value v;
      if (auto e = vr.get(v)) return JsonError(e);
      if (part == 0) {
        LIQDB_RETURN_IF_ERROR(ParseMeta(v));
      } else if (part == 1) {
        LIQDB_RETURN_IF_ERROR(ParseCtxs(v));
      }
      ++part;
    }
    if (part != 2) return Status::InvalidArgument("metaAndAssetCtxs must be [meta, assetCtxs]");
    if (names_.size() != ctxs_.size()) {
      return Status::InvalidArgument("universe has " + std::to_string(names_.size()) + " assets but " +
                                     std::to_string(ctxs_.size()) + " contexts");
    }
    if (recv_ == kMinTimestamp) {
      return Status::InvalidArgument(
          "a metaAndAssetCtxs response carries no time: ingest it from a liqdb-raw archive (its recv time)");
    }
    std::vector<MarketRow> rows;
    for (size_t i = 0; i < names_.size(); ++i) {
      const Ctx& c = ctxs_[i];
      if (!c.coin.empty() && c.coin != names_[i].name) {
        return Status::InvalidArgument("assetCtxs[" + std::to_string(i) + "] is " + c.coin +
                                       "'s but universe[" + std::to_string(i) + "] is " + names_[i].name);
      }
      if (names_[i].delisted || !c.has_mark || !c.has_oi) {
        ++stats->skipped;
        continue;
      }
      LIQDB_RETURN_IF_ERROR(CheckMarket(c.mark, c.oi).WithContext(names_[i].name));
      rows.push_back({names_[i].name, recv_, c.mark, c.oi});
    }
    AddRows("hyperliquid", rows, out);
    return Status::OK();
  }

 private:
  struct Asset {
    std::string name;
    bool delisted = false;
  };
  struct Ctx {
    bool has_mark = false, has_oi = false;
    double mark = 0, oi = 0;
    std::string coin;  // some responses name the context's coin too
  };

  Status ParseMeta(ondemand::value v) {
    ondemand::object meta;
    if (auto e = v.get_object().get(meta)) return JsonError(e, "meta");
    bool universe = false;
    for (auto fr : meta) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return JsonError(e);
      ondemand::raw_json_string key;
      key = f.key();
      if (!(key == "universe")) continue;
      universe = true;
      ondemand::array arr;
      if (auto e = f.value().get_array().get(arr)) return JsonError(e, "universe");
      for (auto ar : arr) {
        ondemand::object a;
        if (auto e = ar.get_object().get(a)) return JsonError(e, "universe[]");
        Asset asset;
        for (auto afr : a) {
          ondemand::field af;
          if (auto e = std::move(afr).get(af)) return JsonError(e);
          ondemand::raw_json_string ak;
          ak = af.key();
          if (ak == "name") {
            std::string_view s;
            LIQDB_RETURN_IF_ERROR(GetString(af.value(), "universe[].name", &s));
            asset.name.assign(s);
          } else if (ak == "isDelisted") {
            bool b = false;
            if (af.value().get_bool().get(b) == SUCCESS) asset.delisted = b;
          }
        }
        if (asset.name.empty()) return Status::InvalidArgument("universe entry without a name");
        names_.push_back(std::move(asset));
      }
    }
    if (!universe) return Status::InvalidArgument("meta without 'universe'");
    return Status::OK();
  }

  Status ParseCtxs(ondemand::value v) {
    ondemand::array arr;
    if (auto e = v.get_array().get(arr)) return JsonError(e, "assetCtxs");
    for (auto cr : arr) {
      ondemand::object o;
      if (auto e = cr.get_object().get(o)) return JsonError(e, "assetCtxs[]");
      Ctx c;
      for (auto fr : o) {
        ondemand::field f;
        if (auto e = std::move(fr).get(f)) return JsonError(e);
        ondemand::raw_json_string key;
        key = f.key();
        if (key == "markPx") {
          if (IsNull(f.value())) continue;
          LIQDB_RETURN_IF_ERROR(GetNumber(f.value(), "markPx", &c.mark));
          c.has_mark = true;
        } else if (key == "openInterest") {
          if (IsNull(f.value())) continue;
          LIQDB_RETURN_IF_ERROR(GetNumber(f.value(), "openInterest", &c.oi));
          c.has_oi = true;
        } else if (key == "coin") {
          std::string_view s;
          LIQDB_RETURN_IF_ERROR(GetString(f.value(), "assetCtxs[].coin", &s));
          c.coin.assign(s);
        }
      }
      ctxs_.push_back(c);
    }
    return Status::OK();
  }

  ondemand::parser parser_;
  Timestamp recv_ = kMinTimestamp;
  std::vector<Asset> names_;
  std::vector<Ctx> ctxs_;
};

}  // namespace

std::unique_ptr<Adapter> MakeBinanceMarkPriceAdapter(const IngestOptions& o) {
  return std::make_unique<BinanceMarkPriceAdapter>(o);
}
std::unique_ptr<Adapter> MakeBybitTickerAdapter(const IngestOptions& o) {
  return std::make_unique<BybitTickerAdapter>(o);
}
std::unique_ptr<Adapter> MakeOkxMarketAdapter(const IngestOptions& o, Format format) {
  return std::make_unique<OkxMarketAdapter>(o, format);
}
std::unique_ptr<Adapter> MakeHyperliquidAssetCtxsAdapter(const IngestOptions& o) {
  return std::make_unique<HyperliquidAssetCtxsAdapter>(o);
}

}  // namespace liqdb::ingest
