// liq_gaps: the gaps a recorder stored in a liqdb table's store — the times
// a venue's feed sent nothing (a disconnect, a stall) — so a chart with a
// hole can say why.
//
//   SELECT * FROM liq_gaps('liq');
//   SELECT venue, feed, liq_iso(from_ts), seconds, reason
//     FROM liq_gaps('liq', '2024-03-01', '2024-03-02') WHERE venue = 'okx';
//
// Arguments (hidden columns source, "from", "to"): source names a liqdb
// table of this connection, of any kind (gaps belong to the store, not to a
// series); the gaps listed overlap [from, to) (times as every function takes
// them: integer µs from 10^14 on, or ISO-8601); from and to may be left out
// or NULL (no bound). Rows in ascending from_ts (then venue, feed):
// from_ts/to_ts INTEGER µs, seconds REAL (to_ts − from_ts), reason TEXT
// (may be '').
#include <iterator>
#include <memory>

#include "extension/ext_util.h"
#include "extension/modules.h"
#include "extension/sql_args.h"
#include "extension/table_registry.h"
#include "extension/tvf_args.h"
#include "extension/tvf_module.h"

#include "liqdb/timeparse.h"

namespace liqdb::ext {

namespace {

constexpr const char* kName = "liq_gaps";

// Column indexes.
enum : int {
  kVenue = 0,
  kFeed,
  kFromTs,
  kToTs,
  kSeconds,
  kReason,
  kFirstHidden,  // the arguments follow
};
// Argument indexes (hidden column = kFirstHidden + argument).
enum : int { kArgSource = 0, kArgFrom, kArgTo };

constexpr TvfColumn kColumns[] = {{"venue", "TEXT"},    {"feed", "TEXT"},    {"from_ts", "INTEGER"},
                                  {"to_ts", "INTEGER"}, {"seconds", "REAL"}, {"reason", "TEXT"}};
static_assert(std::size(kColumns) == kFirstHidden, "kColumns and the column-index enum disagree");

const TvfSignature kSignature{
    kName, {std::begin(kColumns), std::end(kColumns)}, {"source", "from", "to"}, 1, kFromTs};

struct GapsCursor : TvfCursor {
  std::vector<Gap> rows;
  size_t at = 0;
};

Status Start(sqlite3* db, GapsCursor* cur, int idx_num, int argc, sqlite3_value** argv) {
  LIQDB_RETURN_IF_ERROR(cur->args.Load(kSignature, idx_num, argc, argv));
  LIQDB_ASSIGN_OR_RETURN(auto source, ReadText(cur->args.Get(kArgSource), "source", false));
  Timestamp from = kMinTimestamp, to = kMaxTimestamp;
  if (cur->args.Has(kArgFrom)) {
    LIQDB_ASSIGN_OR_RETURN(from, ReadTimeArgument(cur->args.Get(kArgFrom), "from"));
  }
  if (cur->args.Has(kArgTo)) {
    LIQDB_ASSIGN_OR_RETURN(to, ReadTimeArgument(cur->args.Get(kArgTo), "to"));
  }
  LIQDB_RETURN_IF_ERROR(ValidateTimeRange(from, to));
  LIQDB_ASSIGN_OR_RETURN(auto table, LookupSource(db, *source, std::nullopt, kName));
  LIQDB_ASSIGN_OR_RETURN(cur->rows, table->store->ListGaps(from, to));
  return Status::OK();
}

void ResultColumn(const GapsCursor& cur, sqlite3_context* ctx, int i) {
  const Gap& g = cur.rows[cur.at];
  auto text = [&](const std::string& s) {
    sqlite3_result_text(ctx, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  };
  switch (i) {
    case kVenue: text(g.venue); break;
    case kFeed: text(g.feed); break;
    case kFromTs: sqlite3_result_int64(ctx, g.from); break;
    case kToTs: sqlite3_result_int64(ctx, g.to); break;
    case kSeconds: sqlite3_result_double(ctx, static_cast<double>(g.to - g.from) / kMicrosPerSecond); break;
    case kReason: text(g.reason); break;
    default: sqlite3_result_null(ctx);
  }
}

struct Traits {
  using Cursor = GapsCursor;
  static constexpr const char* kName = ::liqdb::ext::kName;
  static const TvfSignature& Signature() { return kSignature; }
  static void Reset(Cursor* cur) {
    cur->rows.clear();
    cur->at = 0;
  }
  static Status Start(sqlite3* db, Cursor* cur, int idx_num, int argc, sqlite3_value** argv) {
    return ::liqdb::ext::Start(db, cur, idx_num, argc, argv);
  }
  static Status Advance(Cursor* cur) {
    ++cur->at;
    return Status::OK();
  }
  static bool AtEnd(const Cursor& cur) { return cur.at >= cur.rows.size(); }
  static void Result(const Cursor& cur, sqlite3_context* ctx, int i) { ResultColumn(cur, ctx, i); }
};

const sqlite3_module kModule = TvfModule<Traits>::Make();

}  // namespace

int RegisterLiqGaps(sqlite3* db) {
  return sqlite3_create_module_v2(db, kName, &kModule, nullptr, nullptr);
}

}  // namespace liqdb::ext
