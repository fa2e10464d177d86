// Hyperliquid clearinghouseState polls -> positions rows, with closes.
//
// One line is one poll of one wallet ({"user", "time", "assetPositions"}).
// Each position becomes a row (side from the sign of szi, size |szi|). A
// position in the wallet's previous poll and absent from this one was closed:
// it gets a size = 0 row at this poll's time, carrying its last entry price
// and leverage (a close row may leave entry_price NULL, but the last one is
// known, so it is kept).
//
// The previous poll of each wallet is remembered across files and runs in a
// small side file in the store folder ("ingest-hyperliquid.state"), written
// (atomically, by rename) only once the rows derived from it are stored, so
// an interrupted run recomputes the same closes and the store dedupes them.
// Polls older than the remembered one (re-ingested or out-of-order files)
// yield their position rows but no closes and do not move the state.
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "ingest/json_util.h"

namespace liqdb::ingest {

namespace {

using namespace simdjson;

constexpr const char* kStateFile = "ingest-hyperliquid.state";

struct Held {
  double entry = 0;
  double leverage = 0;  // NaN when unknown
};
using PosKey = std::pair<std::string, uint8_t>;  // (coin, side)
struct Wallet {
  Timestamp time = kMinTimestamp;
  std::map<PosKey, Held> positions;
};

class HyperliquidAdapter : public Adapter {
 public:
  explicit HyperliquidAdapter(const IngestOptions&) {}
  Format format() const override { return Format::kHyperliquidClearinghouse; }
  Status BeginFile(std::string_view) override {
    undo_.clear();
    return Status::OK();
  }
  void EndFile(bool keep) override {
    if (!keep) {
      for (auto& [user, old] : undo_) {
        if (old)
          wallets_[user] = *old;
        else
          wallets_.erase(user);
      }
    }
    undo_.clear();
  }

  Status ParseLine(std::string_view line, RowBuffer* out, LineStats*) override {
    ondemand::document doc;
    if (auto e = parser_.iterate(Padded(line)).get(doc)) return JsonError(e);
    ondemand::object top;
    if (auto e = doc.get_object().get(top)) return JsonError(e);
    polled_.clear();
    user_.clear();
    bool has_time = false, has_positions = false;
    Timestamp time = 0;
    for (auto fr : top) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return JsonError(e);
      ondemand::raw_json_string key;
      key = f.key();
      if (key == "user") {
        std::string_view u;
        if (auto e = f.value().get_string().get(u)) return JsonError(e, "user");
        user_.assign(u);
      } else if (key == "time") {
        LIQDB_RETURN_IF_ERROR(GetMillis(f.value(), "time", &time));
        has_time = true;
      } else if (key == "assetPositions") {
        has_positions = true;
        ondemand::array arr;
        if (auto e = f.value().get_array().get(arr)) return JsonError(e, "assetPositions");
        for (auto vr : arr) {
          ondemand::object ap;
          if (auto e = vr.get_object().get(ap)) return JsonError(e, "assetPositions[]");
          LIQDB_RETURN_IF_ERROR(ParseAssetPosition(ap));
        }
      }
    }
    if (user_.empty()) return Status::InvalidArgument("missing 'user' (the wallet address)");
    if (!has_time) return Status::InvalidArgument("missing 'time'");
    if (!has_positions) return Status::InvalidArgument("missing 'assetPositions'");

    auto it = wallets_.find(user_);
    const bool advances = it == wallets_.end() || time > it->second.time;
    size_t rows = 0;
    if (advances) {
      if (!undo_.count(user_)) {
        undo_[user_] = it == wallets_.end() ? std::nullopt : std::optional<Wallet>(it->second);
      }
      Wallet next;
      next.time = time;
      for (const Pos& p : polled_)
        next.positions[{p.coin, static_cast<uint8_t>(p.side)}] = {p.entry, p.leverage};
      if (it != wallets_.end()) {
        for (const auto& [key, held] : it->second.positions) {
          if (next.positions.count(key)) continue;
          out->Series(Kind::kPositions, "hyperliquid", key.first)
              ->AddPosition(time, user_, static_cast<Side>(key.second), 0, held.entry,
                            std::isnan(held.leverage) ? std::nullopt : std::optional<double>(held.leverage),
                            std::nullopt);
          ++rows;
        }
      }
      wallets_[user_] = std::move(next);
    }
    for (const Pos& p : polled_) {
      out->Series(Kind::kPositions, "hyperliquid", p.coin)
          ->AddPosition(time, user_, p.side, p.size, p.entry,
                        std::isnan(p.leverage) ? std::nullopt : std::optional<double>(p.leverage),
                        std::isnan(p.liq) ? std::nullopt : std::optional<double>(p.liq));
      ++rows;
    }
    out->NoteRows(rows);
    return Status::OK();
  }

  Status LoadState(const std::string& dir) override {
    wallets_.clear();
    std::ifstream in(dir + "/" + kStateFile);
    if (!in) return Status::OK();  // first run
    std::string line;
    Wallet* w = nullptr;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      std::istringstream ss(line);
      std::string tag;
      ss >> tag;
      if (tag == "W") {
        std::string user;
        Timestamp t;
        if (!(ss >> user >> t))
          return Status::Corruption(dir + "/" + kStateFile + ":" + std::to_string(n) + ": bad wallet line");
        w = &wallets_[user];
        w->time = t;
      } else if (tag == "P" && w != nullptr) {
        std::string coin, entry, lev;
        int side;
        if (!(ss >> coin >> side >> entry >> lev) || (side != 0 && side != 1)) {
          return Status::Corruption(dir + "/" + kStateFile + ":" + std::to_string(n) + ": bad position line");
        }
        Held h;
        if (!ParseDouble(entry, &h.entry))
          return Status::Corruption(dir + "/" + kStateFile + ": bad entry price");
        if (lev == "nan")
          h.leverage = std::nan("");
        else if (!ParseDouble(lev, &h.leverage))
          return Status::Corruption(dir + "/" + kStateFile + ": bad leverage");
        w->positions[{coin, static_cast<uint8_t>(side)}] = h;
      } else if (!tag.empty()) {
        return Status::Corruption(dir + "/" + kStateFile + ":" + std::to_string(n) + ": unknown line");
      }
    }
    return Status::OK();
  }

  bool HasState() const override { return !wallets_.empty(); }
  Status SaveState(const std::string& dir) override {
    if (wallets_.empty()) return Status::OK();
    const std::string path = dir + "/" + kStateFile;
    const std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      if (!out) return Status::IOError("cannot write " + tmp);
      char buf[128];
      for (const auto& [user, w] : wallets_) {
        out << "W " << user << ' ' << w.time << '\n';
        for (const auto& [key, h] : w.positions) {
          std::snprintf(buf, sizeof buf, " %d %.17g ", key.second, h.entry);
          out << "P " << key.first << buf;
          if (std::isnan(h.leverage))
            out << "nan\n";
          else {
            std::snprintf(buf, sizeof buf, "%.17g\n", h.leverage);
            out << buf;
          }
        }
      }
      out.flush();
      if (!out) return Status::IOError("cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::IOError("cannot rename " + tmp);
    return Status::OK();
  }

 private:
  struct Pos {
    std::string coin;
    Side side;
    double size, entry, leverage, liq;
  };

  // {"type":"oneWay","position":{"coin","szi","leverage":{"value"},"entryPx","liquidationPx",…}}
  Status ParseAssetPosition(ondemand::object ap) {
    for (auto fr : ap) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return JsonError(e);
      ondemand::raw_json_string key;
      key = f.key();
      if (!(key == "position")) continue;
      ondemand::object pos;
      if (auto e = f.value().get_object().get(pos)) return JsonError(e, "position");
      Pos p{{}, Side::kLong, 0, 0, std::nan(""), std::nan("")};
      double szi = 0;
      bool has_szi = false, has_entry = false;
      for (auto pr : pos) {
        ondemand::field g;
        if (auto e = std::move(pr).get(g)) return JsonError(e);
        ondemand::raw_json_string k;
        k = g.key();
        if (k == "coin") {
          std::string_view c;
          if (auto e = g.value().get_string().get(c)) return JsonError(e, "coin");
          p.coin.assign(c);
        } else if (k == "szi") {
          LIQDB_RETURN_IF_ERROR(GetNumber(g.value(), "szi", &szi));
          has_szi = true;
        } else if (k == "entryPx") {
          LIQDB_RETURN_IF_ERROR(GetNumber(g.value(), "entryPx", &p.entry));
          has_entry = true;
        } else if (k == "liquidationPx") {
          bool is_null = false;
          if (auto e = g.value().is_null().get(is_null)) return JsonError(e, "liquidationPx");
          // null: the venue says no move can liquidate it (a cross position
          // its account covers), which is liq_price 0, "no level" — not
          // NULL, which would have the heatmaps compute one from leverage.
          if (is_null) {
            p.liq = 0;
          } else {
            LIQDB_RETURN_IF_ERROR(GetNumber(g.value(), "liquidationPx", &p.liq));
          }
        } else if (k == "leverage") {
          ondemand::object lev;
          if (auto e = g.value().get_object().get(lev)) return JsonError(e, "leverage");
          for (auto lr : lev) {
            ondemand::field h;
            if (auto e = std::move(lr).get(h)) return JsonError(e);
            ondemand::raw_json_string lk;
            lk = h.key();
            if (lk == "value") LIQDB_RETURN_IF_ERROR(GetNumber(h.value(), "leverage.value", &p.leverage));
          }
        }
      }
      if (p.coin.empty()) return Status::InvalidArgument("position without coin");
      if (!has_szi) return Status::InvalidArgument("position " + p.coin + " without szi");
      if (!has_entry) return Status::InvalidArgument("position " + p.coin + " without entryPx");
      if (szi == 0) continue;  // flat: absent, so a close if it was held
      p.side = szi > 0 ? Side::kLong : Side::kShort;
      p.size = std::fabs(szi);
      Status s = CheckPosition(p.size, p.entry, p.leverage, p.liq);
      if (!s.ok()) return s.WithContext("position " + p.coin);
      polled_.push_back(std::move(p));
    }
    return Status::OK();
  }

  ondemand::parser parser_;
  std::map<std::string, Wallet> wallets_;
  // Wallets changed by the current file, with their state before it.
  std::map<std::string, std::optional<Wallet>> undo_;
  std::vector<Pos> polled_;
  std::string user_;
};

}  // namespace

std::unique_ptr<Adapter> MakeHyperliquidAdapter(const IngestOptions& o) {
  return std::make_unique<HyperliquidAdapter>(o);
}

}  // namespace liqdb::ingest
