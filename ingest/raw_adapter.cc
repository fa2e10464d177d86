// The liqdb-raw format: a recorder's raw archive (record/raw_archive.h), one
// received message a line, {"recv":<µs>,"venue":"…","feed":"…","msg":<message>},
// each message handed to the adapter of its feed (FeedFormat, the mapping the
// recorder itself uses), so a replay gives exactly the rows stored live. A
// message the recorder received as text that is not JSON is archived as a
// JSON string and yields nothing here ("skipped"), as it did live.
//
// A message whose bytes equal one of the last kRepeatWindow messages of the
// same (venue, feed) that stored rows is a repeat: counted, not parsed. A venue resends its
// last messages after a reconnect, and a restarted recorder archives them
// again; replaying both runs must not store them twice. The live recorder's
// lines pass through this adapter too, so the rule is the same live and in a
// replay. Feeds whose sample time is the receive time (Hyperliquid
// metaAndAssetCtxs) are exempt: the same bytes polled later are a new sample.
#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <unordered_set>

#include "ingest/json_util.h"

namespace liqdb {

namespace {

struct FeedRule {
  const char* venue;
  const char* feed;  // the feed's name, or its prefix before '-' ("liquidations-coinm")
  Format format;
};
constexpr FeedRule kFeedRules[] = {
    {"binance", "liquidations", Format::kBinanceForceOrder},
    {"binance", "market", Format::kBinanceMarkPrice},
    {"bybit", "liquidations", Format::kBybitLiquidation},
    {"bybit", "market", Format::kBybitTicker},
    {"okx", "liquidations", Format::kOkxLiquidationOrders},
    {"okx", "market", Format::kOkxMarkPrice},
    {"hyperliquid", "market", Format::kHyperliquidAssetCtxs},
    {"hyperliquid", "positions", Format::kHyperliquidClearinghouse},
};

bool FeedMatches(std::string_view feed, std::string_view name) {
  return feed == name || (feed.size() > name.size() && feed.starts_with(name) && feed[name.size()] == '-');
}

// Appends `text` as a JSON string literal. Bytes from 0x80 on are escaped
// one by one (as U+0080..U+00FF), so text that is not UTF-8 still makes a
// valid line; only text that was not a JSON message gets here.
void AppendJsonString(std::string_view text, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20 || c >= 0x80) {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

// Whether `msg` is one complete JSON object or array (and valid UTF-8).
bool IsJsonMessage(std::string_view msg) {
  const size_t first = msg.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || (msg[first] != '{' && msg[first] != '[')) return false;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(simdjson::padded_string(msg)).get(doc) == simdjson::SUCCESS;
}

}  // namespace

std::string FormatRawLine(std::string_view venue, std::string_view feed, Timestamp recv_us,
                          std::string_view msg) {
  std::string line;
  line.reserve(msg.size() + venue.size() + feed.size() + 64);
  line.append("{\"recv\":");
  line.append(std::to_string(recv_us));
  line.append(",\"venue\":");
  AppendJsonString(venue, &line);
  line.append(",\"feed\":");
  AppendJsonString(feed, &line);
  line.append(",\"msg\":");
  if (IsJsonMessage(msg)) {
    const size_t at = line.size();
    line.append(msg);
    for (size_t i = at; i < line.size(); ++i) {
      if (line[i] == '\n' || line[i] == '\r') line[i] = ' ';
    }
  } else {
    AppendJsonString(msg, &line);
  }
  line.push_back('}');
  return line;
}

Result<Format> FeedFormat(std::string_view venue, std::string_view feed) {
  bool venue_known = false;
  std::string feeds;
  for (const FeedRule& r : kFeedRules) {
    if (venue != r.venue) continue;
    venue_known = true;
    if (FeedMatches(feed, r.feed)) return r.format;
    feeds += std::string(feeds.empty() ? "" : ", ") + r.feed;
  }
  if (!venue_known) {
    return Status::InvalidArgument("unknown venue '" + std::string(venue) +
                                   "' (known: binance, bybit, okx, hyperliquid)");
  }
  return Status::InvalidArgument("unknown feed '" + std::string(feed) + "' of " + std::string(venue) +
                                 " (known: " + feeds + ", optionally with a -suffix)");
}

namespace ingest {

namespace {

using namespace simdjson;

class LiqdbRawAdapter : public Adapter {
 public:
  explicit LiqdbRawAdapter(const IngestOptions& o) : options_(o) {}
  Format format() const override { return Format::kLiqdbRaw; }

  Status BeginFile(std::string_view name) override {
    file_ = std::string(name);
    begun_.clear();
    return Status::OK();
  }
  void EndFile(bool keep) override {
    for (Format f : begun_) adapters_[f]->EndFile(keep);
    begun_.clear();
  }

  Status ParseLine(std::string_view line, RowBuffer* out, LineStats* stats) override {
    ondemand::document doc;
    if (auto e = parser_.iterate(Padded(line)).get(doc)) return JsonError(e);
    ondemand::object top;
    if (auto e = doc.get_object().get(top)) return JsonError(e);
    bool has_recv = false, text_msg = false;
    int64_t recv = 0;
    std::string_view venue, feed, msg;
    for (auto fr : top) {
      ondemand::field f;
      if (auto e = std::move(fr).get(f)) return JsonError(e);
      ondemand::raw_json_string key;
      key = f.key();
      if (key == "recv") {
        if (auto e = f.value().get_int64().get(recv)) return JsonError(e, "recv");
        has_recv = true;
      } else if (key == "venue") {
        if (auto e = f.value().get_string().get(venue)) return JsonError(e, "venue");
      } else if (key == "feed") {
        if (auto e = f.value().get_string().get(feed)) return JsonError(e, "feed");
      } else if (key == "msg") {
        ondemand::json_type t;
        if (auto e = f.value().type().get(t)) return JsonError(e, "msg");
        if (t == ondemand::json_type::object) {
          ondemand::object o;
          if (auto e = f.value().get_object().get(o)) return JsonError(e, "msg");
          if (auto e = o.raw_json().get(msg)) return JsonError(e, "msg");
        } else if (t == ondemand::json_type::array) {
          ondemand::array a;
          if (auto e = f.value().get_array().get(a)) return JsonError(e, "msg");
          if (auto e = a.raw_json().get(msg)) return JsonError(e, "msg");
        } else if (t == ondemand::json_type::string) {
          text_msg = true;
        } else {
          return Status::InvalidArgument("msg is neither a JSON message nor text");
        }
      }
    }
    if (!has_recv) return Status::InvalidArgument("missing recv (receive time, µs)");
    if (venue.empty()) return Status::InvalidArgument("missing venue");
    if (feed.empty()) return Status::InvalidArgument("missing feed");
    if (msg.empty() && !text_msg) return Status::InvalidArgument("missing msg");
    LIQDB_ASSIGN_OR_RETURN(Format format, FeedFormat(venue, feed));
    if (text_msg) {
      ++stats->skipped;  // not JSON when received: no adapter reads it
      return Status::OK();
    }
    const bool dedupe = format != Format::kHyperliquidAssetCtxs;
    Recent* recent = dedupe ? &RecentOf(venue, feed) : nullptr;
    const uint64_t hash = std::hash<std::string_view>()(msg);
    if (recent != nullptr && recent->hashes.count(hash) != 0) {
      ++stats->repeats;
      return Status::OK();
    }
    LIQDB_ASSIGN_OR_RETURN(Adapter * adapter, AdapterFor(format));
    adapter->SetReceiveTime(recv);
    const size_t rows_before = out->rows();
    // msg lies inside `line`, so the line's padding follows it too.
    Status parsed = adapter->ParseLine(msg, out, stats);
    // Only a message that stored rows can store them twice; one that stored
    // nothing (a mark price, an open-interest poll before any mark price) is
    // read again when it comes again.
    if (parsed.ok() && recent != nullptr && out->rows() > rows_before) Remember(recent, hash);
    return parsed;
  }

  Status LoadState(const std::string& dir) override {
    state_dir_ = dir;
    for (auto& [f, a] : adapters_) LIQDB_RETURN_IF_ERROR(a->LoadState(dir));
    return Status::OK();
  }
  Status SaveState(const std::string& dir) override {
    for (auto& [f, a] : adapters_) LIQDB_RETURN_IF_ERROR(a->SaveState(dir));
    return Status::OK();
  }
  bool HasState() const override {
    return std::any_of(adapters_.begin(), adapters_.end(),
                       [](const auto& a) { return a.second->HasState(); });
  }

 private:
  static constexpr size_t kRepeatWindow = 4096;
  struct Recent {
    std::deque<uint64_t> order;  // oldest first
    std::unordered_set<uint64_t> hashes;
  };
  // The feed's recent messages. Kept across files: a restart's repeats may
  // open the next file.
  Recent& RecentOf(std::string_view venue, std::string_view feed) {
    std::string key(venue);
    key.push_back('\0');
    key.append(feed);
    return recent_[key];
  }
  // Remembers a message among the feed's last kRepeatWindow.
  static void Remember(Recent* r, uint64_t hash) {
    if (!r->hashes.insert(hash).second) return;
    r->order.push_back(hash);
    if (r->order.size() > kRepeatWindow) {
      r->hashes.erase(r->order.front());
      r->order.pop_front();
    }
  }

  // The feed's adapter, made (and its cross-run state loaded) on first use,
  // and begun on its first line of each file.
  Result<Adapter*> AdapterFor(Format format) {
    auto it = adapters_.find(format);
    if (it == adapters_.end()) {
      LIQDB_ASSIGN_OR_RETURN(auto made, MakeAdapter(format, options_));
      if (state_dir_) LIQDB_RETURN_IF_ERROR(made->LoadState(*state_dir_));
      it = adapters_.emplace(format, std::move(made)).first;
    }
    if (begun_.insert(format).second) LIQDB_RETURN_IF_ERROR(it->second->BeginFile(file_));
    return it->second.get();
  }

  IngestOptions options_;
  ondemand::parser parser_;
  std::map<Format, std::unique_ptr<Adapter>> adapters_;
  std::set<Format> begun_;
  std::string file_;
  std::optional<std::string> state_dir_;
  std::map<std::string, Recent> recent_;  // by venue '\0' feed
};

}  // namespace

std::unique_ptr<Adapter> MakeLiqdbRawAdapter(const IngestOptions& o) {
  return std::make_unique<LiqdbRawAdapter>(o);
}

}  // namespace ingest

}  // namespace liqdb
