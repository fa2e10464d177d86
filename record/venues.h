// The venues' public feeds as `liqdb record` uses them: endpoint, path,
// subscription messages, keep-alive rule, the ingest format that parses the
// data messages, and how to tell data from control messages. The rules and
// the documentation they come from are in docs/record.md.
//
// Thread-safety: pure functions over values.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "record/url.h"

#include "liqdb/ingest.h"
#include "liqdb/status.h"
#include "liqdb/types.h"

namespace liqdb::record {

// A REST request a feed repeats (open interest, Hyperliquid's /info).
struct PollSpec {
  std::string method = "GET";
  Url url;
  std::string body;  // POST
  // Hyperliquid clearinghouseState: the wallet, added to the response as
  // "user" (the response does not name it; the adapter needs it).
  std::string user;
};

// One feed of one venue: a WebSocket session, REST polls, or both (their
// messages go to the same adapter, in the order they arrive).
struct FeedSpec {
  std::string venue;              // "binance"
  std::string feed;               // "liquidations", "liquidations-coinm", "market", ...
  Format format = Format::kAuto;  // FeedFormat(venue, feed): the adapter of its messages
  bool websocket = true;
  Url url;                             // base + the venue's path
  std::vector<std::string> subscribe;  // sent after the handshake
  bool subscribed_by_url = false;      // the path itself subscribes (Binance)
  std::string ping;                    // application-level ping text ("" = none)
  std::chrono::milliseconds ping_interval{0};
  std::vector<PollSpec> polls;  // each repeated every poll_interval
  std::chrono::milliseconds poll_interval{0};
  // How often the venue pushes data on the WebSocket at the least, when it
  // documents a fixed cadence (market samples); 0 = none (liquidations: a
  // quiet market sends nothing). The recorder reconnects a connection
  // without data for max(30 s, 10 × this) (the data watchdog).
  std::chrono::milliseconds data_cadence{0};
};

// What a received message is.
enum class MessageClass {
  kData,      // for the adapter
  kControl,   // an ack, a pong, a heartbeat: not counted as bad
  kRejected,  // the venue refused something (a subscription error): bad, logged
  kBad,       // not JSON, or not a shape this feed sends: bad, logged
};

// Classifies a message of `venue`'s feeds; `why` says what was wrong with a
// kRejected or kBad one.
MessageClass Classify(std::string_view venue, std::string_view message, std::string* why);

struct FeedSelection {
  std::vector<std::string> venues;                    // empty = all
  std::vector<std::string> kinds;                     // empty = liquidations, market
  std::vector<std::string> symbols;                   // empty = defaults
  std::map<std::string, std::string> endpoints;       // venue -> base URL
  std::chrono::milliseconds market_interval{10'000};  // REST polls of market samples
  std::vector<std::string> wallets;                   // Hyperliquid positions: 0x addresses
  std::chrono::milliseconds positions_interval{0};    // 0: the least the weight budget allows
  // --symbols all: Bybit's trading symbols (the recorder reads its instrument
  // list); every other venue's liquidation channels are all-market already.
  std::vector<std::string> bybit_all;
};

struct FeedPlan {
  std::vector<FeedSpec> feeds;
  std::vector<std::string> notes;  // what was asked for but is not recorded, and why
};

// Hyperliquid's REST budget (docs/record.md): 1200 weight a minute per IP;
// metaAndAssetCtxs weighs 20, clearinghouseState 2. Positions polls may use
// half the budget left by market polls.
constexpr int kHyperliquidWeightPerMinute = 1200;
constexpr int kHyperliquidMarketWeight = 20;
constexpr int kHyperliquidPositionsWeight = 2;
// The shortest positions interval the budget allows for `wallets` wallets.
std::chrono::milliseconds MinPositionsInterval(size_t wallets, std::chrono::milliseconds market_interval,
                                               bool market);

std::vector<std::string> VenueNames();
std::vector<std::string> KindNames();

// The sessions for a selection. InvalidArgument naming the known names for an
// unknown venue, kind or symbol, or naming a bad endpoint.
Result<FeedPlan> PlanFeeds(const FeedSelection& selection);

}  // namespace liqdb::record
