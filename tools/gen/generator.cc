// The synthetic market generator: see generator.h for the story it tells.
//
// The simulation advances one second at a time. Per second: the market-wide
// state (volatility regime, common factor, scheduled sharp moves) moves every
// symbol's log price; then, per series, the venue's mark price, open
// interest, liquidation arrivals, liquidations of crossed positions and
// account actions. Rows of one second are staged with millisecond offsets and
// appended in time order, so every output batch is time-sorted without a
// global sort.
#include "generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <queue>
#include <string>

#include "random.h"

#include "liqdb/liq_price.h"

namespace liqdb::gen {

namespace {

constexpr double kSecondsPerYear = 365.0 * 86400;
constexpr int kMaxDecimals = 8;
constexpr double kPow10[kMaxDecimals + 1] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};

// A decimal k / 10^d as the double nearest to it: the division of two exact
// doubles is correctly rounded, so printing with d decimals and parsing back
// gives the same double (CSV round-trips, and the store's decimal codec sees
// exact tick multiples).
inline double Dec(int64_t k, int d) {
  return static_cast<double>(k) / kPow10[d];
}
inline int64_t ToUnits(double v, int d) {
  return static_cast<int64_t>(std::llround(v * kPow10[d]));
}

// ---- instruments and venues ---------------------------------------------------

struct BaseInfo {
  const char* base;
  double start_price;
  double annual_vol;
  int price_decimals;               // tick = 10^-d
  double weight;                    // share of liquidations and positions
  double beta;                      // sensitivity to market-wide sharp moves
  double oi_usd;                    // open interest over all venues at the start
  double liq_median_usd;            // median liquidation fill
  double pos_median_usd;            // median position size
  std::array<int, 3> qty_decimals;  // lot = 10^-d on binance, bybit, okx
};

// OKX quotes linear swaps in contracts; its lot here is the contract value
// (BTC-USDT-SWAP = 0.01 BTC), the others the venues' size steps.
constexpr BaseInfo kBases[] = {
    {"BTC", 62000.0, 0.55, 1, 0.50, 1.0, 15e9, 2500, 30000, {3, 3, 2}},
    {"ETH", 3400.0, 0.70, 2, 0.30, 1.2, 8e9, 1500, 15000, {3, 2, 1}},
    {"SOL", 130.0, 0.95, 3, 0.20, 1.5, 2e9, 800, 6000, {0, 1, 0}},
    {"XRP", 0.62, 0.85, 4, 0.10, 1.3, 8e8, 600, 4000, {1, 0, 0}},
    {"DOGE", 0.16, 1.00, 5, 0.10, 1.5, 8e8, 600, 4000, {0, 0, 0}},
    // Smaller perpetuals, so benchmarks can build a wide archive (about 80
    // series on three venues). Appended after the first five: a symbol's
    // path depends only on (seed, symbol), so existing output is unchanged.
    {"BNB", 580.0, 0.60, 2, 0.05, 1.0, 6e8, 900, 5000, {2, 2, 1}},
    {"ADA", 0.45, 0.90, 4, 0.04, 1.3, 3e8, 500, 3000, {0, 0, 0}},
    {"AVAX", 36.0, 1.00, 3, 0.04, 1.5, 3e8, 500, 3000, {0, 1, 0}},
    {"LINK", 18.0, 0.95, 3, 0.04, 1.4, 3e8, 500, 3000, {1, 1, 0}},
    {"DOT", 7.5, 0.90, 3, 0.03, 1.3, 2e8, 400, 2500, {1, 1, 0}},
    {"LTC", 85.0, 0.80, 2, 0.03, 1.2, 3e8, 500, 3000, {2, 1, 0}},
    {"BCH", 420.0, 0.85, 2, 0.03, 1.2, 3e8, 500, 3000, {3, 2, 1}},
    {"TRX", 0.12, 0.70, 5, 0.02, 1.0, 2e8, 400, 2500, {0, 0, 0}},
    {"NEAR", 6.8, 1.05, 3, 0.03, 1.5, 2e8, 400, 2500, {0, 1, 0}},
    {"UNI", 11.0, 1.00, 3, 0.02, 1.4, 2e8, 400, 2500, {0, 1, 0}},
    {"ATOM", 11.5, 0.95, 3, 0.02, 1.3, 2e8, 400, 2500, {2, 1, 0}},
    {"APT", 14.0, 1.10, 3, 0.02, 1.5, 2e8, 400, 2500, {1, 2, 0}},
    {"ARB", 1.6, 1.10, 4, 0.03, 1.5, 2e8, 400, 2500, {1, 1, 0}},
    {"OP", 3.5, 1.10, 4, 0.02, 1.5, 2e8, 400, 2500, {1, 1, 0}},
    {"FIL", 8.0, 1.00, 3, 0.02, 1.4, 1.5e8, 350, 2000, {1, 1, 0}},
    {"ETC", 32.0, 0.90, 3, 0.02, 1.3, 1.5e8, 350, 2000, {2, 1, 0}},
    {"SUI", 1.5, 1.20, 4, 0.03, 1.6, 2e8, 400, 2500, {1, 1, 0}},
    {"INJ", 38.0, 1.20, 3, 0.02, 1.6, 1.5e8, 350, 2000, {1, 1, 0}},
    {"TIA", 14.0, 1.30, 4, 0.02, 1.7, 1.5e8, 350, 2000, {0, 1, 0}},
    {"WIF", 2.8, 1.60, 4, 0.03, 2.0, 2e8, 400, 2500, {0, 0, 0}},
    {"AAVE", 110.0, 1.00, 2, 0.02, 1.4, 1.5e8, 350, 2000, {1, 2, 1}},
    {"SEI", 0.75, 1.30, 4, 0.02, 1.7, 1e8, 300, 2000, {0, 0, 0}},
};

struct VenueInfo {
  const char* name;
  double weight;  // share of a symbol's activity
  double mmr;     // maintenance margin rate its accounts report liq prices with
};
constexpr VenueInfo kVenues[] = {{"binance", 0.45, 0.004}, {"bybit", 0.33, 0.005}, {"okx", 0.22, 0.004}};

const BaseInfo* FindBase(std::string_view base) {
  for (const BaseInfo& b : kBases) {
    if (base == b.base) return &b;
  }
  return nullptr;
}

int FindVenue(std::string_view name) {
  for (int i = 0; i < 3; ++i) {
    if (name == kVenues[i].name) return i;
  }
  return -1;
}

// Leverage tiers: the 2-125x range venues offer, weighted to where retail
// actually sits (5-25x).
struct Tier {
  double leverage, weight;
};
constexpr Tier kTiers[] = {{2, 0.04},  {3, 0.05},  {5, 0.14},  {10, 0.24},  {15, 0.10}, {20, 0.16},
                           {25, 0.11}, {50, 0.08}, {75, 0.04}, {100, 0.03}, {125, 0.01}};

double DrawLeverage(Rng& rng) {
  double u = rng.Uniform();
  double total = 0;
  for (const Tier& t : kTiers) total += t.weight;
  u *= total;
  for (const Tier& t : kTiers) {
    if (u < t.weight) return t.leverage;
    u -= t.weight;
  }
  return kTiers[std::size(kTiers) - 1].leverage;
}

// docs/sql.md's linear liquidation price, from the one copy of the formula
// (liqdb/liq_price.h), so generated liq_price values are the ones the
// heatmaps compute for NULL ones. Leverage here is >= 2, where the formula is
// always defined; 0 would stand for "no price".
double LinearLiqPrice(double entry, double leverage, Side side, double mmr) {
  Result<double> price = LiqPrice(entry, leverage, side, mmr, Contract::kLinear);
  return price.ok() ? *price : 0;
}

// ---- the market-wide story -------------------------------------------------

// A sharp move: `magnitude` (log return, signed) spread over `duration`
// seconds, front-loaded, then a partial retrace over an hour.
struct Shock {
  int64_t start = 0;  // seconds since `from`
  int64_t duration = 0;
  double magnitude = 0;
};

constexpr double kRegimeVol[3] = {0.55, 1.0, 1.9};  // calm, normal, hot
constexpr double kRetrace = 0.35;
constexpr int64_t kRetraceSeconds = 3600;

// The state every symbol shares: volatility regime, common factor and the
// schedule of sharp moves. Depends on the seed only.
class MarketState {
 public:
  MarketState(uint64_t seed, int64_t seconds) : rng_(SubSeed(seed, "market")) {
    // About one sharp move every 2.5 days, never in the first hour.
    const int count =
        std::max<int>(1, static_cast<int>(std::lround(static_cast<double>(seconds) / (2.5 * 86400))));
    for (int i = 0; i < count; ++i) {
      Shock s;
      const int64_t lo = std::min<int64_t>(3600, seconds / 4);
      s.start =
          lo + static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(std::max<int64_t>(1, seconds - lo))));
      s.duration = 60 + static_cast<int64_t>(rng_.Below(840));
      const double size = std::clamp(rng_.LogNormal(0.045, 0.45), 0.02, 0.14);
      s.magnitude = (rng_.Bernoulli(0.6) ? -1 : 1) * size;
      shocks_.push_back(s);
    }
    std::sort(shocks_.begin(), shocks_.end(),
              [](const Shock& a, const Shock& b) { return a.start < b.start; });
  }

  // Advances to second `t` (0, 1, 2, ...).
  void Step(int64_t t) {
    if (t % 60 == 0 && rng_.Bernoulli(1.0 / 360)) {  // regimes last ~6 hours
      regime_ = (regime_ + 1 + static_cast<int>(rng_.Below(2))) % 3;
    }
    common_ = rng_.Normal();
    drift_ = 0;
    for (const Shock& s : shocks_) {
      if (s.start > t) break;
      const int64_t dt = t - s.start;
      if (dt < s.duration) {
        // Front-loaded: weight exp(-3 u) over u in [0, 1), normalised.
        const double d = static_cast<double>(s.duration);
        const double norm = 3.0 / (d * (1 - std::exp(-3.0)));
        drift_ += s.magnitude * norm * std::exp(-3.0 * static_cast<double>(dt) / d);
        regime_ = 2;  // a crash is a hot market for a while
      } else if (dt < s.duration + kRetraceSeconds) {
        drift_ -= kRetrace * s.magnitude / kRetraceSeconds;
      }
    }
  }

  double vol_mult() const { return kRegimeVol[regime_]; }
  int regime() const { return regime_; }
  double common() const { return common_; }
  double drift() const { return drift_; }

 private:
  Rng rng_;
  std::vector<Shock> shocks_;
  int regime_ = 1;
  double common_ = 0;
  double drift_ = 0;
};

// One symbol's log price path and the trailing returns the series read.
class SymbolPath {
 public:
  static constexpr int kHistory = 3601;  // seconds of log prices kept
  static constexpr double kCorrelation = 0.75;

  SymbolPath(uint64_t seed, const BaseInfo* base)
      : base_(base),
        rng_(SubSeed(seed, std::string("path/") + base->base)),
        sigma_(base->annual_vol / std::sqrt(kSecondsPerYear)),
        history_(kHistory, std::log(base->start_price)) {
    x_ = history_[0];
  }

  void Step(const MarketState& m) {
    const double eps = kCorrelation * m.common() + std::sqrt(1 - kCorrelation * kCorrelation) * rng_.Normal();
    x_ += sigma_ * m.vol_mult() * eps + base_->beta * m.drift();
    pos_ = (pos_ + 1) % kHistory;
    history_[pos_] = x_;
  }

  double log_price() const { return x_; }
  double price() const { return std::exp(x_); }
  // Log return over the last `seconds` (< kHistory).
  double Return(int seconds) const { return x_ - history_[(pos_ + kHistory - seconds) % kHistory]; }
  // How fast price moves now, in units of a normal 10-second move.
  double Speed() const { return std::fabs(Return(10)) / (sigma_ * std::sqrt(10.0)); }
  double sigma() const { return sigma_; }
  const BaseInfo* base() const { return base_; }

  // The relative liquidation intensity of a second: rises with the cube of
  // the move's speed, so sharp moves bring cascades.
  double IntensityShape(const MarketState& m) const {
    const double z = std::min(Speed(), 60.0);
    return m.vol_mult() * (1 + 0.3 * z * z * z);
  }

 private:
  const BaseInfo* base_;
  Rng rng_;
  double sigma_;
  std::vector<double> history_;
  int pos_ = 0;
  double x_ = 0;
};

// ---- per-series simulation ----------------------------------------------

struct Account {
  bool open = false;
  Side side = Side::kLong;
  int64_t size = 0;   // lots
  int64_t entry = 0;  // ticks
  double leverage = 0;
  double mmr = 0;
  bool reports_liq = true;   // false: the venue leaves liq_price NULL
  int64_t liq = 0;           // reported liq price, ticks
  double effective_liq = 0;  // what the crossing check uses (NULL -> default mmr)
  uint32_t version = 0;
  int64_t busy_until = -1;  // second of the last action or cooldown end
};

struct Level {
  double liq;
  uint32_t account;
  uint32_t version;
};
struct LongOrder {  // max-heap: the highest long level is swept first
  bool operator()(const Level& a, const Level& b) const { return a.liq < b.liq; }
};
struct ShortOrder {  // min-heap: the lowest short level is swept first
  bool operator()(const Level& a, const Level& b) const { return a.liq > b.liq; }
};

// A row staged within one second, ordered by its millisecond offset.
struct LiqEvent {
  int ms;
  Side side;
  int64_t price, qty;  // ticks, lots
};
struct PosEvent {
  int ms;
  uint32_t account;
};

// Hawkes parameters: each fill raises the next seconds' rate; the excitation
// decays with a 1.5 s time constant and the branching ratio is 0.8, so one
// exogenous fill brings five on average and a sharp move thousands.
constexpr double kBranching = 0.8;
const double kDecay = std::exp(-1.0 / 1.5);
const double kJump = kBranching * (1 - std::exp(-1.0 / 1.5));

class SeriesSim {
 public:
  SeriesSim(const GenOptions& o, const BaseInfo* base, int venue, uint32_t accounts, double liq_rate_scale,
            double actions_per_second, double oi_drain)
      : base_(base),
        venue_(venue),
        pd_(base->price_decimals),
        qd_(base->qty_decimals[venue]),
        rng_(SubSeed(o.seed, fmt::format("series/{}/{}", kVenues[venue].name, base->base))),
        basis_rng_(SubSeed(o.seed, fmt::format("basis/{}/{}", kVenues[venue].name, base->base))),
        liq_scale_(liq_rate_scale),
        actions_per_second_(actions_per_second),
        oi_drain_(oi_drain),
        accounts_(accounts),
        liq_(Kind::kLiquidations),
        pos_(Kind::kPositions),
        mkt_(Kind::kMarket) {
    spec_.key = {kVenues[venue].name, VenueSymbol(kVenues[venue].name, base->base)};
    spec_.base = base->base;
    spec_.price_decimals = pd_;
    spec_.qty_decimals = qd_;
    spec_.tick = Dec(1, pd_);
    spec_.lot = Dec(1, qd_);
    names_.reserve(accounts);
    const char* prefix = venue == 0 ? "bn" : venue == 1 ? "by" : "ok";
    for (uint32_t i = 0; i < accounts; ++i) names_.push_back(fmt::format("{}-{:06d}", prefix, i));
    oi_ = base->oi_usd * kVenues[venue].weight / base->start_price;
    oi_target_ = oi_;
  }

  const SeriesSpec& spec() const { return spec_; }
  Columns& out(Kind k) { return k == Kind::kLiquidations ? liq_ : k == Kind::kPositions ? pos_ : mkt_; }

  // Opens positions for part of the accounts at the start, so the first
  // heatmap buckets are not empty.
  void Seed(int64_t sec, double mark) {
    for (uint32_t a = 0; a < accounts_; ++a) {
      if (!rng_.Bernoulli(0.6)) continue;
      Open(a, sec, mark * std::exp(0.015 * rng_.Normal()), mark, 0);
      pos_events_.push_back({static_cast<int>(rng_.Below(1000)), a});
    }
    // The rows are flushed with second `sec`'s own in Step.
  }

  void Step(int64_t sec, Timestamp from, const SymbolPath& path, const MarketState& m, bool market_sample) {
    basis_ = basis_ * 0.999 + 0.00002 * basis_rng_.Normal();
    const double mark = path.price() * (1 + basis_);
    const int64_t mark_ticks = ToUnits(mark, pd_);
    const double mark_px = Dec(mark_ticks, pd_);
    const double speed = path.Speed();
    const bool down = path.Return(60) < 0;
    double liquidated_qty = 0;

    // 1. Liquidation arrivals: exogenous rate from the move's speed, plus
    //    self-excitation by the fills of the seconds before.
    const double lambda = liq_scale_ * path.IntensityShape(m) + excitation_;
    const uint64_t n = rng_.Poisson(lambda);
    excitation_ = excitation_ * kDecay + kJump * static_cast<double>(n);
    const double p_long = down ? 0.6 : 0.35;
    const double slip = 0.0002 + 0.00002 * std::min(speed, 40.0);
    for (uint64_t i = 0; i < n; ++i) {
      const Side side = rng_.Bernoulli(p_long) ? Side::kLong : Side::kShort;
      double notional = rng_.LogNormal(base_->liq_median_usd, 1.3);
      if (rng_.Bernoulli(0.01)) notional *= 20;  // the occasional whale
      // A forced sell (long) fills below the mark, a forced buy above.
      const double px = mark * (side == Side::kLong ? 1 - slip * std::fabs(rng_.Normal())
                                                    : 1 + slip * std::fabs(rng_.Normal()));
      const int64_t price = std::max<int64_t>(1, ToUnits(px, pd_));
      const int64_t qty = std::max<int64_t>(1, ToUnits(notional / Dec(price, pd_), qd_));
      liq_events_.push_back({static_cast<int>(rng_.Below(1000)), side, price, qty});
      liquidated_qty += Dec(qty, qd_);
    }

    // 2. Positions whose liquidation price the mark crossed are force-closed:
    //    a size-0 row and their fills among the liquidations.
    //    An account that already wrote a row this second waits for the next.
    while (!longs_.empty() && longs_.top().liq >= mark_px) {
      const Level l = longs_.top();
      longs_.pop();
      if (!Live(l)) continue;
      if (Acc(l.account).busy_until >= sec) {
        deferred_.push_back(l);
      } else {
        liquidated_qty += Liquidate(l.account, sec, mark, slip);
      }
    }
    while (!shorts_.empty() && shorts_.top().liq <= mark_px) {
      const Level l = shorts_.top();
      shorts_.pop();
      if (!Live(l)) continue;
      if (Acc(l.account).busy_until >= sec) {
        deferred_.push_back(l);
      } else {
        liquidated_qty += Liquidate(l.account, sec, mark, slip);
      }
    }
    for (const Level& l : deferred_) {
      if (Acc(l.account).side == Side::kLong) {
        longs_.push(l);
      } else {
        shorts_.push(l);
      }
    }
    deferred_.clear();
    // Superseded levels are dropped lazily; rebuild before they pile up.
    if (longs_.size() + shorts_.size() > 4 * static_cast<size_t>(accounts_) + 1024) Rebuild();

    // 3. Accounts act: open, add, reduce, close.
    const uint64_t actions = rng_.Poisson(actions_per_second_);
    for (uint64_t i = 0; i < actions; ++i) {
      const uint32_t a = static_cast<uint32_t>(rng_.Below(accounts_));
      Account& acc = Acc(a);
      if (acc.busy_until >= sec) continue;  // one row per account and second
      if (!acc.open) {
        Open(a, sec, mark, mark, path.Return(3600));
      } else {
        const double u = rng_.Uniform();
        if (u < 0.35) {
          Close(a);
        } else if (u < 0.65) {
          const int64_t add = std::max<int64_t>(
              1, static_cast<int64_t>(static_cast<double>(acc.size) * (0.2 + 0.8 * rng_.Uniform())));
          const double entry =
              (static_cast<double>(acc.size) * Dec(acc.entry, pd_) + static_cast<double>(add) * mark) /
              static_cast<double>(acc.size + add);
          acc.size += add;
          acc.entry = std::max<int64_t>(1, ToUnits(entry, pd_));
          Relevel(a);
        } else {
          const int64_t cut =
              static_cast<int64_t>(static_cast<double>(acc.size) * (0.2 + 0.5 * rng_.Uniform()));
          if (cut <= 0 || cut >= acc.size) {
            Close(a);
          } else {
            acc.size -= cut;  // isolated margin: reducing keeps the liq price and its level
          }
        }
        acc.busy_until = sec;
      }
      pos_events_.push_back({static_cast<int>(rng_.Below(1000)), a});
    }

    // 4. Open interest builds up in calm markets and is drained by
    //    liquidations (the target drops with them, so it does not snap back).
    const double growth = m.regime() == 0 ? 0.03 : m.regime() == 1 ? 0.01 : -0.02;  // per day
    oi_target_ *= 1 + growth / 86400;
    const double drained = oi_drain_ * liquidated_qty;
    oi_target_ -= drained;
    oi_target_ = std::max(oi_target_, 0.2 * base_->oi_usd * kVenues[venue_].weight / base_->start_price);
    oi_ += (oi_target_ - oi_) / 1800 + 0.00005 * oi_ * rng_.Normal() - drained;
    oi_ = std::max(oi_, 0.1 * oi_target_);
    if (market_sample) {
      mkt_.AddMarket(from + sec * kMicrosPerSecond, mark_px, Dec(ToUnits(oi_, qd_), qd_));
    }
    FlushSecond(sec, from);
  }

 private:
  Account& Acc(uint32_t a) {
    if (state_.size() != accounts_) state_.resize(accounts_);
    return state_[a];
  }

  bool Live(const Level& l) {
    const Account& acc = Acc(l.account);
    return acc.open && acc.version == l.version;
  }

  void Open(uint32_t a, int64_t sec, double entry_px, double mark, double trend) {
    Account& acc = Acc(a);
    // Slightly long-biased; dips attract longs, pumps attract shorts.
    const double p_long = 0.54 + 0.1 * std::clamp(-trend / 0.02, -1.0, 1.0);
    acc.side = rng_.Bernoulli(p_long) ? Side::kLong : Side::kShort;
    acc.leverage = DrawLeverage(rng_);
    acc.mmr = kVenues[venue_].mmr;
    acc.reports_liq = rng_.Bernoulli(0.85);
    acc.entry = std::max<int64_t>(1, ToUnits(entry_px, pd_));
    const double notional = rng_.LogNormal(base_->pos_median_usd, 1.2);
    acc.size = std::max<int64_t>(1, ToUnits(notional / mark, qd_));
    acc.open = true;
    acc.busy_until = sec;
    Relevel(a);
    // A level already crossed at the seed price would be swept at once;
    // that is a position nobody could have opened.
    if ((acc.side == Side::kLong && acc.effective_liq >= mark) ||
        (acc.side == Side::kShort && acc.effective_liq <= mark)) {
      acc.entry = std::max<int64_t>(1, ToUnits(mark, pd_));
      Relevel(a);
    }
  }

  void Relevel(uint32_t a) {
    Account& acc = Acc(a);
    const double entry = Dec(acc.entry, pd_);
    acc.liq = std::max<int64_t>(0, ToUnits(LinearLiqPrice(entry, acc.leverage, acc.side, acc.mmr), pd_));
    acc.effective_liq =
        acc.reports_liq ? Dec(acc.liq, pd_) : LinearLiqPrice(entry, acc.leverage, acc.side, 0.005);
    ++acc.version;
    Push(a);
  }

  void Push(uint32_t a) {
    const Account& acc = Acc(a);
    const Level l{acc.effective_liq, a, acc.version};
    if (acc.side == Side::kLong) {
      longs_.push(l);
    } else {
      shorts_.push(l);
    }
  }

  void Rebuild() {
    longs_ = {};
    shorts_ = {};
    for (uint32_t a = 0; a < accounts_; ++a) {
      if (Acc(a).open) Push(a);
    }
  }

  void Close(uint32_t a) {
    Account& acc = Acc(a);
    acc.size = 0;
    acc.open = false;
    ++acc.version;
  }

  // Closes a crossed position and emits its forced fills; returns the qty.
  double Liquidate(uint32_t a, int64_t sec, double mark, double slip) {
    Account& acc = Acc(a);
    const int64_t lots = acc.size;
    const int ms = static_cast<int>(rng_.Below(1000));
    // A big position fills in a few pieces.
    const int pieces = static_cast<int>(std::min<int64_t>(lots, 1 + static_cast<int64_t>(rng_.Below(3))));
    int64_t left = lots;
    for (int i = 0; i < pieces; ++i) {
      const int64_t q = i + 1 == pieces ? left : std::max<int64_t>(1, left / (pieces - i));
      left -= q;
      const double px = mark * (acc.side == Side::kLong ? 1 - slip * std::fabs(rng_.Normal())
                                                        : 1 + slip * std::fabs(rng_.Normal()));
      liq_events_.push_back({std::min(999, ms + i), acc.side, std::max<int64_t>(1, ToUnits(px, pd_)), q});
    }
    Close(a);
    pos_events_.push_back({ms, a});
    // Burnt accounts stay out for a while.
    acc.busy_until = sec + static_cast<int64_t>(rng_.Exponential(4 * 3600));
    return Dec(lots, qd_);
  }

  // Appends the second's staged rows in time order.
  void FlushSecond(int64_t sec, Timestamp from) {
    const Timestamp base = from + sec * kMicrosPerSecond;
    if (!liq_events_.empty()) {
      std::stable_sort(liq_events_.begin(), liq_events_.end(),
                       [](const LiqEvent& a, const LiqEvent& b) { return a.ms < b.ms; });
      for (const LiqEvent& e : liq_events_) {
        const double price = Dec(e.price, pd_), qty = Dec(e.qty, qd_);
        liq_.AddLiquidation(base + e.ms * 1000, e.side, price, qty, price * qty);
      }
      liq_events_.clear();
    }
    if (!pos_events_.empty()) {
      std::stable_sort(pos_events_.begin(), pos_events_.end(),
                       [](const PosEvent& a, const PosEvent& b) { return a.ms < b.ms; });
      for (const PosEvent& e : pos_events_) {
        const Account& acc = Acc(e.account);
        std::optional<double> liq;
        if (acc.reports_liq) liq = Dec(acc.liq, pd_);
        pos_.AddPosition(base + e.ms * 1000, names_[e.account], acc.side, Dec(acc.size, qd_),
                         Dec(acc.entry, pd_), acc.leverage, liq);
      }
      pos_events_.clear();
    }
  }

  const BaseInfo* base_;
  int venue_;
  int pd_, qd_;
  SeriesSpec spec_;
  Rng rng_;
  Rng basis_rng_;  // apart, so a venue's mark does not depend on its arrival counts
  double liq_scale_;
  double actions_per_second_;
  double oi_drain_;  // open interest closed per unit of liquidated qty
  uint32_t accounts_;
  std::vector<std::string> names_;
  std::vector<Account> state_;
  std::priority_queue<Level, std::vector<Level>, LongOrder> longs_;
  std::priority_queue<Level, std::vector<Level>, ShortOrder> shorts_;
  double excitation_ = 0;
  double basis_ = 0;
  double oi_ = 0, oi_target_ = 0;
  std::vector<LiqEvent> liq_events_;
  std::vector<PosEvent> pos_events_;
  std::vector<Level> deferred_;
  Columns liq_, pos_, mkt_;
};

}  // namespace

// ---- names ------------------------------------------------------------------

Result<std::string> ParseBase(std::string_view symbol) {
  std::string s;
  for (char c : symbol) s += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  for (std::string_view suffix : {"-USDT-SWAP", "USDT", "-USDT"}) {
    if (s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0) {
      s.resize(s.size() - suffix.size());
      break;
    }
  }
  if (FindBase(s) == nullptr) {
    std::string known;
    for (const BaseInfo& b : kBases) known += (known.empty() ? "" : ", ") + std::string(b.base) + "USDT";
    return Status::InvalidArgument(fmt::format("unknown symbol '{}' (known: {})", symbol, known));
  }
  return s;
}

std::string VenueSymbol(std::string_view exchange, std::string_view base) {
  if (exchange == "okx") return fmt::format("{}-USDT-SWAP", base);
  return fmt::format("{}USDT", base);
}

std::vector<std::string> KnownExchanges() {
  std::vector<std::string> out;
  for (const VenueInfo& v : kVenues) out.emplace_back(v.name);
  return out;
}

std::vector<std::string> KnownBases() {
  std::vector<std::string> out;
  for (const BaseInfo& b : kBases) out.emplace_back(b.base);
  return out;
}

// ---- Generator ----------------------------------------------------------------

struct Generator::Impl {
  GenOptions options;
  int64_t seconds = 0;
  int64_t sec = 0;  // next second to simulate
  int64_t market_every = 1;
  MarketState market;
  std::vector<SymbolPath> paths;
  std::vector<std::unique_ptr<SeriesSim>> sims;
  std::vector<size_t> sim_path;  // index into paths
  std::vector<SeriesSpec> specs;
  GenCounts counts;
  // Rows of each sim's current buffers already in `counts`, by kind - 1.
  std::vector<std::array<size_t, 3>> counted;

  uint64_t& Count(Kind k) {
    return k == Kind::kLiquidations ? counts.liquidations
           : k == Kind::kPositions  ? counts.positions
                                    : counts.market;
  }
  // Adds the rows generated since the last call to `counts`.
  void CountNew() {
    counted.resize(sims.size(), {0, 0, 0});
    for (size_t s = 0; s < sims.size(); ++s) {
      for (Kind k : {Kind::kLiquidations, Kind::kPositions, Kind::kMarket}) {
        size_t& c = counted[s][static_cast<int>(k) - 1];
        Count(k) += sims[s]->out(k).size() - c;
        c = sims[s]->out(k).size();
      }
    }
  }
  void Reset(size_t s, Kind k) {
    counted.resize(sims.size(), {0, 0, 0});
    counted[s][static_cast<int>(k) - 1] = 0;
    sims[s]->out(k) = Columns(k);
  }

  Impl(const GenOptions& o, int64_t secs) : options(o), seconds(secs), market(o.seed, secs) {}
};

Generator::Generator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Generator::~Generator() = default;

Result<std::unique_ptr<Generator>> Generator::Create(const GenOptions& o) {
  if (o.duration < kMicrosPerSecond) return Status::InvalidArgument("duration must be at least one second");
  if (o.market_interval < kMicrosPerSecond || o.market_interval % kMicrosPerSecond != 0) {
    return Status::InvalidArgument("market interval must be a whole number of seconds (>= 1s)");
  }
  if (o.window < kMicrosPerSecond || o.window % kMicrosPerSecond != 0) {
    return Status::InvalidArgument("window must be a whole number of seconds");
  }
  if (o.from % kMicrosPerSecond != 0) return Status::InvalidArgument("start time must be on a whole second");
  if (o.symbols.empty() || o.exchanges.empty()) return Status::InvalidArgument("no symbols or no exchanges");
  if (o.accounts == 0 && o.positions > 0)
    return Status::InvalidArgument("positions need at least one account");

  std::vector<const BaseInfo*> bases;
  for (const std::string& s : o.symbols) {
    Result<std::string> b = ParseBase(s);
    if (!b.ok()) return b.status();
    const BaseInfo* info = FindBase(*b);
    if (std::find(bases.begin(), bases.end(), info) == bases.end()) bases.push_back(info);
  }
  std::vector<int> venues;
  for (const std::string& e : o.exchanges) {
    const int v = FindVenue(e);
    if (v < 0) {
      return Status::InvalidArgument(fmt::format("unknown exchange '{}' (known: binance, bybit, okx)", e));
    }
    if (std::find(venues.begin(), venues.end(), v) == venues.end()) venues.push_back(v);
  }

  const int64_t seconds = o.duration / kMicrosPerSecond;
  auto impl = std::make_unique<Impl>(o, seconds);
  impl->market_every = o.market_interval / kMicrosPerSecond;
  for (const BaseInfo* b : bases) impl->paths.emplace_back(o.seed, b);

  // Calibration: replay the paths once to learn each symbol's total
  // intensity shape, so the expected number of arrivals matches the request.
  std::vector<double> shape_sum(bases.size(), 0);
  {
    MarketState m(o.seed, seconds);
    std::vector<SymbolPath> paths;
    for (const BaseInfo* b : bases) paths.emplace_back(o.seed, b);
    for (int64_t t = 0; t < seconds; ++t) {
      m.Step(t);
      for (size_t i = 0; i < paths.size(); ++i) {
        paths[i].Step(m);
        shape_sum[i] += paths[i].IntensityShape(m);
      }
    }
  }
  double weight_total = 0, max_base_weight = 0;
  for (const BaseInfo* b : bases) {
    max_base_weight = std::max(max_base_weight, b->weight);
    for (int v : venues) weight_total += b->weight * kVenues[v].weight;
  }
  for (size_t i = 0; i < bases.size(); ++i) {
    for (int v : venues) {
      const double w = bases[i]->weight * kVenues[v].weight / weight_total;
      // E[arrivals] = Σ base rate / (1 - branching).
      const double scale = static_cast<double>(o.liquidations) * w * (1 - kBranching) / shape_sum[i];
      const uint32_t accounts =
          o.positions == 0 ? 0
                           : std::max<uint32_t>(
                                 20, static_cast<uint32_t>(o.accounts * bases[i]->weight / max_base_weight));
      const double actions = static_cast<double>(o.positions) * w / static_cast<double>(seconds);
      // The liquidations generated are a venue's reported sample, not every
      // forced close; scale their qty so they drain about 30% of the open
      // interest a month (most of it in cascades) against the build-up of
      // calm markets, and open interest rises and falls.
      const double mean_notional = bases[i]->liq_median_usd * std::exp(1.3 * 1.3 / 2) * 1.19;
      const double expected_qty =
          static_cast<double>(o.liquidations) * w * mean_notional / bases[i]->start_price;
      const double oi0 = bases[i]->oi_usd * kVenues[v].weight / bases[i]->start_price;
      const double drain =
          expected_qty > 0 ? 0.3 * oi0 * (static_cast<double>(seconds) / (30.0 * 86400)) / expected_qty : 0.0;
      impl->sims.push_back(std::make_unique<SeriesSim>(o, bases[i], v, accounts, scale, actions, drain));
      impl->sim_path.push_back(i);
      impl->specs.push_back(impl->sims.back()->spec());
    }
  }
  for (size_t s = 0; s < impl->sims.size(); ++s) {
    impl->sims[s]->Seed(0, impl->paths[impl->sim_path[s]].price());
  }
  return std::unique_ptr<Generator>(new Generator(std::move(impl)));
}

bool Generator::NextWindow() {
  Impl& g = *impl_;
  if (g.sec >= g.seconds) return false;
  const int64_t end = std::min(g.seconds, g.sec + g.options.window / kMicrosPerSecond);
  for (; g.sec < end; ++g.sec) {
    g.market.Step(g.sec);
    for (SymbolPath& p : g.paths) p.Step(g.market);
    const bool sample = g.sec % g.market_every == 0;
    for (size_t s = 0; s < g.sims.size(); ++s) {
      g.sims[s]->Step(g.sec, g.options.from, g.paths[g.sim_path[s]], g.market, sample);
    }
  }
  g.CountNew();
  return true;
}

std::vector<SeriesBatch> Generator::TakeBatches(Kind kind, size_t min_rows) {
  Impl& g = *impl_;
  g.CountNew();
  std::vector<SeriesBatch> out;
  for (size_t s = 0; s < g.sims.size(); ++s) {
    Columns& c = g.sims[s]->out(kind);
    if (c.empty() || c.size() < min_rows) continue;
    out.push_back(SeriesBatch{g.sims[s]->spec().key, std::move(c)});
    g.Reset(s, kind);
  }
  return out;
}

void Generator::Discard(Kind kind) {
  Impl& g = *impl_;
  g.CountNew();
  for (size_t s = 0; s < g.sims.size(); ++s) g.Reset(s, kind);
}

const std::vector<SeriesSpec>& Generator::series() const {
  return impl_->specs;
}

const SeriesSpec* Generator::FindSeries(const SeriesKey& key) const {
  for (const SeriesSpec& s : impl_->specs) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

double Generator::progress() const {
  return impl_->seconds == 0 ? 1.0 : static_cast<double>(impl_->sec) / static_cast<double>(impl_->seconds);
}

Timestamp Generator::now() const {
  return impl_->options.from + impl_->sec * kMicrosPerSecond;
}

const GenCounts& Generator::counts() const {
  return impl_->counts;
}

}  // namespace liqdb::gen
