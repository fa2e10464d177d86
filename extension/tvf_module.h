// TvfModule: the sqlite3_module of a table-valued function, built from a
// small Traits type that says only what differs between functions.
//
// Every function here is eponymous (used as `f(args)`), takes its arguments
// as hidden columns (tvf_args.h), and walks its result one row per xNext.
// The callbacks for that are the same for all of them: connect with the
// declared schema, plan with TvfBestIndex, reset and start in xFilter (an
// error names the function), count rows for the rowid, echo arguments in the
// hidden columns. Traits supplies:
//
//   struct Cursor : TvfCursor { ... };             per-query state
//   static constexpr const char* kName;            "liq_histogram"
//   static const TvfSignature& Signature();        the columns and arguments
//   static void Reset(Cursor*);                    drop any query; AtEnd afterwards
//   static Status Start(sqlite3*, Cursor*, int idx_num, int argc, sqlite3_value** argv);
//                                                  load args, open, stand on row 1
//   static Status Advance(Cursor*);                move to the next row
//   static bool AtEnd(const Cursor&);
//   static void Result(const Cursor&, sqlite3_context*, int column);  an output column
//
// Bounded calls: SQLite honours sqlite3_interrupt and the progress handler
// only between its opcodes, never inside one xFilter/xNext. So every cursor
// carries an SqlInterrupt (tvf_interrupt.h) that Start hands to the engine as
// its spec's `cancel`; the engine's long loops ask it every few ms, and a
// call it stops returns SQLITE_INTERRUPT ("<function>: interrupted").
//
// Trust: the functions only read, so they are SQLITE_VTAB_INNOCUOUS and work
// in views and triggers of a schema read with trusted_schema=OFF.
//
// Thread-safety: as SQLite's: one connection, one thread at a time.
#pragma once

#include <string>

#include "extension/ext_util.h"
#include "extension/sqlite_api.h"
#include "extension/tvf_args.h"
#include "extension/tvf_interrupt.h"

namespace liqdb::ext {

// The part of a cursor every table-valued function has.
struct TvfCursor : sqlite3_vtab_cursor {
  TvfCursor() : sqlite3_vtab_cursor{} {}
  TvfArgs args;
  int64_t rowid = 0;       // rows returned before this one
  SqlInterrupt interrupt;  // the engine's `cancel` for this cursor's calls
};

template <typename Traits>
class TvfModule {
 public:
  static sqlite3_module Make() {
    sqlite3_module m{};
    m.xCreate = nullptr;  // eponymous only
    m.xConnect = Connect;
    m.xBestIndex = BestIndex;
    m.xDisconnect = TvfDisconnect;
    m.xDestroy = TvfDisconnect;
    m.xOpen = Open;
    m.xClose = Close;
    m.xFilter = Filter;
    m.xNext = Next;
    m.xEof = Eof;
    m.xColumn = Column;
    m.xRowid = Rowid;
    return m;
  }

 private:
  using Cursor = typename Traits::Cursor;
  static Cursor* Of(sqlite3_vtab_cursor* base) { return static_cast<Cursor*>(base); }

  static int Connect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char** err) {
    const int rc = TvfConnect(db, Traits::kName, TvfSchemaSql(Traits::Signature()).c_str(), out, err);
    // Read-only: safe wherever a schema someone else wrote uses it.
    if (rc == SQLITE_OK) sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
    return rc;
  }

  // The SQLite code of a failed call: an interrupt stays SQLITE_INTERRUPT.
  static int Failed(sqlite3_vtab* vtab, Cursor* cur, const Status& s) {
    if (cur->interrupt.interrupted()) {
      SetVtabError(vtab, std::string(Traits::kName) + ": interrupted");
      return SQLITE_INTERRUPT;
    }
    const std::string& m = s.message();
    return VtabStatus(vtab, m.rfind(Traits::kName, 0) == 0 ? s : s.WithContext(Traits::kName));
  }

  // idxNum bit j: argument j is present; present arguments reach xFilter in
  // argument order (tvf_args.h).
  static int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
    return GuardVtab(vtab, [&] { return TvfBestIndex(Traits::Signature(), info); });
  }

  static int Open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
    return GuardVtab(vtab, [&] {
      *out = new Cursor();
      return SQLITE_OK;
    });
  }

  static int Close(sqlite3_vtab_cursor* base) {
    delete Of(base);
    return SQLITE_OK;
  }

  static int Filter(sqlite3_vtab_cursor* base, int idx_num, const char*, int argc, sqlite3_value** argv) {
    Cursor* cur = Of(base);
    return GuardVtab(base->pVtab, [&] {
      Traits::Reset(cur);
      cur->rowid = 0;
      sqlite3* db = static_cast<TvfTable*>(base->pVtab)->db;
      cur->interrupt.Bind(db);
      Status s = Traits::Start(db, cur, idx_num, argc, argv);
      if (!s.ok()) {
        Traits::Reset(cur);
        return Failed(base->pVtab, cur, s);
      }
      return SQLITE_OK;
    });
  }

  static int Next(sqlite3_vtab_cursor* base) {
    Cursor* cur = Of(base);
    return GuardVtab(base->pVtab, [&] {
      ++cur->rowid;
      Status s = Traits::Advance(cur);
      return s.ok() ? SQLITE_OK : Failed(base->pVtab, cur, s);
    });
  }

  static int Eof(sqlite3_vtab_cursor* base) { return Traits::AtEnd(*Of(base)) ? 1 : 0; }

  static int Column(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int i) {
    const Cursor* cur = Of(base);
    const int first_hidden = Traits::Signature().first_hidden();
    if (i >= first_hidden) {  // an argument: echoed, so WHERE constraints on it hold
      sqlite3_value* arg = cur->args.Get(i - first_hidden);
      if (arg != nullptr) {
        sqlite3_result_value(ctx, arg);
      } else {
        sqlite3_result_null(ctx);
      }
    } else if (Traits::AtEnd(*cur)) {
      sqlite3_result_null(ctx);
    } else {
      Traits::Result(*cur, ctx, i);
    }
    return SQLITE_OK;
  }

  static int Rowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
    *rowid = Of(base)->rowid;
    return SQLITE_OK;
  }
};

}  // namespace liqdb::ext
