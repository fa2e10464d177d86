// The data model: kinds of series, sides, and the columnar row batch that
// every layer (ingest, storage, query, extension) passes around.
//
// Timestamps are integer microseconds since the Unix epoch, UTC. Prices and
// notionals are in the quote currency. A series is one (kind, exchange,
// symbol); rows of a series travel as a `Columns` batch: one vector per
// column, all of the same length. Which columns a kind uses is fixed by
// `KindSchema` below.
//
// Thread-safety: plain values.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "liqdb/status.h"

namespace liqdb {

using Timestamp = int64_t;  // µs since the Unix epoch, UTC
constexpr Timestamp kMinTimestamp = INT64_MIN;
constexpr Timestamp kMaxTimestamp = INT64_MAX;
constexpr Timestamp kMicrosPerSecond = 1'000'000;
constexpr Timestamp kMicrosPerMinute = 60 * kMicrosPerSecond;

// The side of the *position* concerned (a forced SELL closes a long).
enum class Side : uint8_t { kLong = 0, kShort = 1 };
const char* SideName(Side side);                       // "long" / "short"
std::optional<Side> ParseSide(std::string_view text);  // exactly "long" / "short"

enum class Kind : uint8_t { kLiquidations = 1, kPositions = 2, kMarket = 3 };
const char* KindName(Kind kind);  // "liquidations" / "positions" / "market"
std::optional<Kind> ParseKind(std::string_view text);

// The double-valued columns of each kind, in storage order.
namespace liq_col {
enum : int { kPrice = 0, kQty = 1, kNotional = 2, kCount = 3 };
}
namespace pos_col {
enum : int { kSize = 0, kEntryPrice = 1, kLeverage = 2, kLiqPrice = 3, kCount = 4 };
}
namespace mkt_col {
enum : int { kMarkPrice = 0, kOpenInterest = 1, kCount = 2 };
}

// The most value columns any kind has (positions: 4).
constexpr int kMaxValueColumns = 4;
static_assert(liq_col::kCount <= kMaxValueColumns && pos_col::kCount <= kMaxValueColumns &&
              mkt_col::kCount <= kMaxValueColumns);

struct KindSchema {
  Kind kind;
  bool has_side;
  bool has_account;
  int num_values;                  // double columns
  const char* const* value_names;  // SQL names of the double columns
  const bool* value_nullable;      // NULL is stored as a NaN (only here)
};
const KindSchema& SchemaOf(Kind kind);

// The identity of a series within a kind.
struct SeriesKey {
  std::string exchange;  // lower-case venue id: "binance", "okx", ...
  std::string symbol;    // the venue's instrument name: "BTCUSDT", "BTC-USDT-SWAP"
  bool operator==(const SeriesKey& o) const { return exchange == o.exchange && symbol == o.symbol; }
  bool operator<(const SeriesKey& o) const {
    return exchange != o.exchange ? exchange < o.exchange : symbol < o.symbol;
  }
};

// A columnar batch of rows of one kind (and, in storage, of one series).
// `side` holds Side values as bytes (0 long, 1 short) when the kind has sides;
// `account` holds indexes into `account_dict` when the kind has accounts;
// `values[c]` is the c-th double column of the kind (see *_col above). A NULL
// in a nullable column is a NaN.
struct Columns {
  Kind kind = Kind::kLiquidations;
  std::vector<Timestamp> ts;
  std::vector<uint8_t> side;
  std::vector<uint32_t> account;
  std::vector<std::string> account_dict;
  std::vector<std::vector<double>> values;

  Columns() = default;
  explicit Columns(Kind k);

  size_t size() const { return ts.size(); }
  bool empty() const { return ts.empty(); }
  void Reserve(size_t n);
  void Clear();  // keeps kind; empties rows and dictionary
  // As Clear(), but keeps the columns' memory: decoding chunk after chunk
  // into one Columns then allocates (and page-faults) only once.
  void ClearKeepingCapacity();
  // Empties the account column and its dictionary (and the index over it).
  void ClearAccounts();

  // Appends row `i` of `other` (same kind), remapping its account.
  void AppendRow(const Columns& other, size_t i);
  // Appends every row of `other` (same kind): the same rows and dictionary as
  // AppendRow on each in turn, column by column.
  void AppendRows(const Columns& other);
  // Returns the dictionary index of `account`, adding it if new. Builds an
  // index over account_dict lazily.
  uint32_t InternAccount(std::string_view account);
  const std::string& AccountOf(size_t i) const { return account_dict[account[i]]; }

  // Row appenders per kind. They do not validate; see ValidateRows.
  void AddLiquidation(Timestamp t, Side s, double price, double qty, double notional);
  void AddPosition(Timestamp t, std::string_view account, Side s, double size, double entry_price,
                   std::optional<double> leverage, std::optional<double> liq_price);
  void AddMarket(Timestamp t, double mark_price, double open_interest);

  // Sorts rows by (ts, then original order): a stable sort.
  void SortByTime();
  bool IsSortedByTime() const;

 private:
  std::unordered_map<std::string, uint32_t> account_index_;
};

// The value rules of one row of `kind`, written once and applied by every
// write path (Store::Append through ValidateRows, SQL INSERT, the ingest
// adapters, the generator). `values` holds the kind's value columns in
// storage order, NaN for NULL:
//   liquidations  price > 0, qty >= 0, notional >= 0
//   positions     size >= 0; entry_price > 0, or NULL on a close row
//                 (size 0); leverage NULL or > 0; liq_price NULL or >= 0
//   market        mark_price > 0, open_interest >= 0
// every number finite. The message names the column and the value:
// "price must be > 0, got 0".
Status ValidateRowValues(Kind kind, const double* values);

// Checks the shape of a batch (column lengths, side codes 0/1, account
// indexes) and every row with ValidateRowValues; the message is prefixed
// with the row: "row 3: price must be > 0, got 0".
Status ValidateRows(const Columns& rows);

// A series' rows with their key: the unit of Store::Append.
struct SeriesBatch {
  SeriesKey key;
  Columns rows;
};

}  // namespace liqdb
