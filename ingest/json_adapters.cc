// The JSON-lines sources: Binance USDⓈ-M forceOrder, Bybit liquidations and
// OKX liquidation-orders. One message a line, parsed in place with
// simdjson's On-Demand API (the LineReader leaves the padding it needs).
//
// A message's fields are walked in the order they come, so no source depends
// on key order; rows of a multi-record message are collected first and added
// only when the whole message parsed, so a bad line adds nothing.
#include "ingest/json_util.h"

namespace liqdb::ingest {

namespace {

using namespace simdjson;

// ---- Binance USDⓈ-M forceOrder ------------------------------------------

class BinanceForceOrderAdapter : public Adapter {
 public:
  explicit BinanceForceOrderAdapter(const IngestOptions& o) : contracts_(&o.contract_sizes) {}
  Format format() const override { return Format::kBinanceForceOrder; }
  Status BeginFile(std::string_view) override { return Status::OK(); }
  void EndFile(bool) override {}

  Status ParseLine(std::string_view line, RowBuffer* out, LineStats* stats) override {
    ondemand::document doc;
    if (auto e = parser_.iterate(Padded(line)).get(doc)) return JsonError(e);
    ondemand::object top;
    if (auto e = doc.get_object().get(top)) return JsonError(e);
    Order o;
    LIQDB_RETURN_IF_ERROR(ParseEvent(top, &o, /*depth=*/0));
    if (!o.seen) return Status::InvalidArgument("no forceOrder 'o' object");
    if (o.symbol.empty()) return Status::InvalidArgument("missing o.s (symbol)");
    if (!o.has_side) return Status::InvalidArgument("missing o.S (side)");
    if (!o.has_time) return Status::InvalidArgument("missing o.T (trade time)");
    if (!o.has_price) return Status::InvalidArgument("missing o.ap (average price)");
    if (!o.has_qty) return Status::InvalidArgument("missing o.z (filled quantity)");
    if (o.qty == 0) {
      ++stats->skipped;  // nothing filled
      return Status::OK();
    }
    Result<ContractSpec> spec = contracts_.Get("binance", o.symbol);
    if (!spec.ok()) return spec.status();
    double qty, notional;
    ApplyContract(*spec, o.qty, o.price, &qty, &notional);
    LIQDB_RETURN_IF_ERROR(CheckLiquidation(o.price, qty, notional));
    out->Series(Kind::kLiquidations, "binance", o.symbol)
        ->AddLiquidation(o.ts, o.side, o.price, qty, notional);
    out->NoteRows(1);
    return Status::OK();
  }

 private:
  struct Order {
    bool seen = false, has_side = false, has_time = false, has_price = false, has_qty = false;
    std::string_view symbol;
    Side side = Side::kLong;
    Timestamp ts = 0;
    double price = 0, qty = 0;
  };

  // The event itself, or the combined stream's {"stream":…,"data":{event}}.
  Status ParseEvent(ondemand::object obj, Order* o, int depth) {
    for (auto fr : obj) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return JsonError(e);
      ondemand::raw_json_string key;
      key = f.key();
      if (key == "o") {
        ondemand::object order;
        if (auto e = f.value().get_object().get(order)) return JsonError(e, "o");
        LIQDB_RETURN_IF_ERROR(ParseOrder(order, o));
      } else if (key == "data" && depth == 0) {
        ondemand::object data;
        if (auto e = f.value().get_object().get(data)) return JsonError(e, "data");
        LIQDB_RETURN_IF_ERROR(ParseEvent(data, o, depth + 1));
      } else if (key == "e") {
        std::string_view ev;
        if (f.value().get_string().get(ev) == SUCCESS && ev != "forceOrder") {
          return BadValue("not a forceOrder event:", ev);
        }
      }
    }
    return Status::OK();
  }

  Status ParseOrder(ondemand::object order, Order* o) {
    o->seen = true;
    for (auto fr : order) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return JsonError(e);
      ondemand::raw_json_string key;
      key = f.key();
      if (key == "s") {
        if (auto e = f.value().get_string().get(o->symbol)) return JsonError(e, "o.s");
      } else if (key == "S") {
        std::string_view s;
        if (auto e = f.value().get_string().get(s)) return JsonError(e, "o.S");
        if (!PositionSideFromOrder(s, &o->side)) return BadValue("bad o.S", s);
        o->has_side = true;
      } else if (key == "T") {
        LIQDB_RETURN_IF_ERROR(GetMillis(f.value(), "o.T", &o->ts));
        o->has_time = true;
      } else if (key == "ap") {
        LIQDB_RETURN_IF_ERROR(GetNumber(f.value(), "o.ap", &o->price));
        o->has_price = true;
      } else if (key == "z") {
        LIQDB_RETURN_IF_ERROR(GetNumber(f.value(), "o.z", &o->qty));
        o->has_qty = true;
      }
    }
    return Status::OK();
  }

  ContractCache contracts_;
  ondemand::parser parser_;
};

// ---- Bybit ------------------------------------------------------------------

class BybitAdapter : public Adapter {
 public:
  explicit BybitAdapter(const IngestOptions& o) : contracts_(&o.contract_sizes) {}
  Format format() const override { return Format::kBybitLiquidation; }
  Status BeginFile(std::string_view) override { return Status::OK(); }
  void EndFile(bool) override {}

  Status ParseLine(std::string_view line, RowBuffer* out, LineStats*) override {
    ondemand::document doc;
    if (auto e = parser_.iterate(Padded(line)).get(doc)) return JsonError(e);
    ondemand::object top;
    if (auto e = doc.get_object().get(top)) return JsonError(e);
    recs_.clear();
    bool has_data = false;
    for (auto fr : top) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return JsonError(e);
      ondemand::raw_json_string key;
      key = f.key();
      if (!(key == "data")) continue;
      has_data = true;
      ondemand::json_type t;
      if (auto e = f.value().type().get(t)) return JsonError(e, "data");
      if (t == ondemand::json_type::array) {  // v5 allLiquidation
        ondemand::array arr;
        if (auto e = f.value().get_array().get(arr)) return JsonError(e, "data");
        for (auto vr : arr) {
          ondemand::object rec;
          if (auto e = vr.get_object().get(rec)) return JsonError(e, "data[]");
          LIQDB_RETURN_IF_ERROR(ParseRecord(rec));
        }
      } else {  // the old liquidation topic: one object
        ondemand::object rec;
        if (auto e = f.value().get_object().get(rec)) return JsonError(e, "data");
        LIQDB_RETURN_IF_ERROR(ParseRecord(rec));
      }
    }
    if (!has_data) return Status::InvalidArgument("no 'data'");
    // A line is all or nothing: rows checked before a bad record of an
    // earlier line must not linger into this one.
    pending_.clear();
    for (const Rec& r : recs_) {
      Result<ContractSpec> spec = contracts_.Get("bybit", r.symbol);
      if (!spec.ok()) return spec.status();
      double qty, notional;
      ApplyContract(*spec, r.size, r.price, &qty, &notional);
      LIQDB_RETURN_IF_ERROR(CheckLiquidation(r.price, qty, notional));
      pending_.push_back({r.symbol, r.ts, r.side, r.price, qty, notional});
    }
    for (const auto& p : pending_) {
      out->Series(Kind::kLiquidations, "bybit", p.symbol)
          ->AddLiquidation(p.ts, p.side, p.price, p.qty, p.notional);
    }
    out->NoteRows(pending_.size());
    pending_.clear();
    return Status::OK();
  }

 private:
  struct Rec {
    std::string symbol;
    Timestamp ts = 0;
    Side side = Side::kLong;
    double price = 0, size = 0;
  };
  struct Row {
    std::string symbol;
    Timestamp ts;
    Side side;
    double price, qty, notional;
  };

  // v5: {T, s, S, v, p}; old: {updatedTime, symbol, side, size, price}.
  // The side is the position's: Buy = a long was liquidated.
  Status ParseRecord(ondemand::object rec) {
    Rec r;
    bool t = false, s = false, side = false, v = false, p = false;
    for (auto fr : rec) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return JsonError(e);
      ondemand::raw_json_string key;
      key = f.key();
      if (key == "T" || key == "updatedTime") {
        LIQDB_RETURN_IF_ERROR(GetMillis(f.value(), "T", &r.ts));
        t = true;
      } else if (key == "s" || key == "symbol") {
        std::string_view sym;
        if (auto e = f.value().get_string().get(sym)) return JsonError(e, "symbol");
        r.symbol.assign(sym);
        s = !sym.empty();
      } else if (key == "S" || key == "side") {
        std::string_view sd;
        if (auto e = f.value().get_string().get(sd)) return JsonError(e, "side");
        if (sd == "Buy")
          r.side = Side::kLong;
        else if (sd == "Sell")
          r.side = Side::kShort;
        else
          return BadValue("bad side", sd);
        side = true;
      } else if (key == "v" || key == "size") {
        LIQDB_RETURN_IF_ERROR(GetNumber(f.value(), "size", &r.size));
        v = true;
      } else if (key == "p" || key == "price") {
        LIQDB_RETURN_IF_ERROR(GetNumber(f.value(), "price", &r.price));
        p = true;
      }
    }
    if (!t) return Status::InvalidArgument("record without time (T)");
    if (!s) return Status::InvalidArgument("record without symbol (s)");
    if (!side) return Status::InvalidArgument("record without side (S)");
    if (!v) return Status::InvalidArgument("record without size (v)");
    if (!p) return Status::InvalidArgument("record without price (p)");
    recs_.push_back(std::move(r));
    return Status::OK();
  }

  ContractCache contracts_;
  ondemand::parser parser_;
  std::vector<Rec> recs_;
  std::vector<Row> pending_;
};

// ---- OKX liquidation-orders --------------------------------------------

class OkxAdapter : public Adapter {
 public:
  explicit OkxAdapter(const IngestOptions& o) : contracts_(&o.contract_sizes) {}
  Format format() const override { return Format::kOkxLiquidationOrders; }
  Status BeginFile(std::string_view) override { return Status::OK(); }
  void EndFile(bool) override {}

  Status ParseLine(std::string_view line, RowBuffer* out, LineStats*) override {
    rows_.clear();
    LIQDB_RETURN_IF_ERROR(
        ForEachOkxDataItem(parser_, line, [&](ondemand::object inst) { return ParseInstrument(inst); }));
    for (const Row& r : rows_) {
      out->Series(Kind::kLiquidations, "okx", r.inst)
          ->AddLiquidation(r.ts, r.side, r.price, r.qty, r.notional);
    }
    out->NoteRows(rows_.size());
    return Status::OK();
  }

 private:
  struct Detail {
    Timestamp ts = 0;
    Side side = Side::kLong;
    double price = 0, sz = 0;
  };
  struct Row {
    std::string inst;
    Timestamp ts;
    Side side;
    double price, qty, notional;
  };

  // {details:[…], instId, …}: instId may come after the details, so the
  // details are read first and sized once the instrument is known.
  Status ParseInstrument(ondemand::object inst) {
    details_.clear();
    std::string inst_id;
    for (auto fr : inst) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return JsonError(e);
      ondemand::raw_json_string key;
      key = f.key();
      if (key == "instId") {
        std::string_view s;
        if (auto e = f.value().get_string().get(s)) return JsonError(e, "instId");
        inst_id.assign(s);
      } else if (key == "details") {
        ondemand::array arr;
        if (auto e = f.value().get_array().get(arr)) return JsonError(e, "details");
        for (auto vr : arr) {
          ondemand::object d;
          if (auto e = vr.get_object().get(d)) return JsonError(e, "details[]");
          LIQDB_RETURN_IF_ERROR(ParseDetail(d));
        }
      }
    }
    if (inst_id.empty()) return Status::InvalidArgument("missing instId");
    Result<ContractSpec> spec = contracts_.Get("okx", inst_id);
    if (!spec.ok()) return spec.status();
    for (const Detail& d : details_) {
      Row r{inst_id, d.ts, d.side, d.price, 0, 0};
      ApplyContract(*spec, d.sz, d.price, &r.qty, &r.notional);
      LIQDB_RETURN_IF_ERROR(CheckLiquidation(r.price, r.qty, r.notional));
      rows_.push_back(std::move(r));
    }
    return Status::OK();
  }

  // posSide long/short is the position's side; with posSide net (one-way
  // mode) the order side says it: a forced sell closes a long.
  Status ParseDetail(ondemand::object d) {
    Detail det;
    std::string_view pos_side, side;
    bool ts = false, px = false, sz = false;
    for (auto fr : d) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return JsonError(e);
      ondemand::raw_json_string key;
      key = f.key();
      if (key == "ts") {
        LIQDB_RETURN_IF_ERROR(GetMillis(f.value(), "ts", &det.ts));
        ts = true;
      } else if (key == "bkPx") {
        LIQDB_RETURN_IF_ERROR(GetNumber(f.value(), "bkPx", &det.price));
        px = true;
      } else if (key == "sz") {
        LIQDB_RETURN_IF_ERROR(GetNumber(f.value(), "sz", &det.sz));
        sz = true;
      } else if (key == "posSide") {
        if (auto e = f.value().get_string().get(pos_side)) return JsonError(e, "posSide");
        pos_side_buf_.assign(pos_side);
        pos_side = pos_side_buf_;
      } else if (key == "side") {
        if (auto e = f.value().get_string().get(side)) return JsonError(e, "side");
      }
    }
    if (!ts || !px || !sz) return Status::InvalidArgument("detail lacks ts, bkPx or sz");
    if (pos_side == "long") {
      det.side = Side::kLong;
    } else if (pos_side == "short") {
      det.side = Side::kShort;
    } else if (!PositionSideFromOrder(side, &det.side)) {
      return Status::InvalidArgument("detail has neither posSide long/short nor side buy/sell");
    }
    details_.push_back(det);
    return Status::OK();
  }

  ContractCache contracts_;
  ondemand::parser parser_;
  std::vector<Detail> details_;
  std::vector<Row> rows_;
  std::string pos_side_buf_;
};

}  // namespace

std::unique_ptr<Adapter> MakeBinanceForceOrderAdapter(const IngestOptions& o) {
  return std::make_unique<BinanceForceOrderAdapter>(o);
}
std::unique_ptr<Adapter> MakeBybitAdapter(const IngestOptions& o) {
  return std::make_unique<BybitAdapter>(o);
}
std::unique_ptr<Adapter> MakeOkxAdapter(const IngestOptions& o) {
  return std::make_unique<OkxAdapter>(o);
}

}  // namespace liqdb::ingest
