// Store: durability, staging and sealing, overlapping chunks, idempotent
// appends, bit-exact round trips, bad rows and corrupted chunks.
#include "liqdb/store.h"

#include <rocksdb/db.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "storage/keys.h"
#include "storage/rocks_store.h"
#include "test_util.h"

#include "liqdb/query.h"

namespace liqdb {
namespace {

using test::RandomLiquidations;
using test::TempDir;

const SeriesKey kBtc{"binance", "BTCUSDT"};

std::shared_ptr<Store> OpenStore(const std::string& path, uint32_t chunk_rows = 1000) {
  StoreOptions o;
  o.chunk_rows = chunk_rows;
  o.sync = false;
  auto s = Store::Open(path, o);
  REQUIRE(s.ok());
  return *s;
}

// Every row of a kind, as (series, row bytes) → count: a multiset that is
// blind to chunk layout and order.
std::map<std::string, int> RowMultiset(const Store& store, Kind kind) {
  ScanFilter f;
  f.kind = kind;
  auto scanner = RowScanner::Open(store, f);
  REQUIRE(scanner.ok());
  std::map<std::string, int> rows;
  ScanBlock block;
  while (true) {
    auto more = (*scanner)->Next(&block);
    REQUIRE(more.ok());
    if (!*more) break;
    for (size_t i = 0; i < block.rows.size(); ++i) {
      std::string k = block.series.exchange + "/" + block.series.symbol + "|";
      k.append(reinterpret_cast<const char*>(&block.rows.ts[i]), 8);
      if (!block.rows.side.empty()) k.push_back(static_cast<char>(block.rows.side[i]));
      for (const auto& v : block.rows.values) k.append(reinterpret_cast<const char*>(&v[i]), 8);
      if (!block.rows.account.empty()) k += block.rows.AccountOf(i);
      rows[k]++;
    }
  }
  return rows;
}

std::map<std::string, int> Multiset(const SeriesKey& key, const Columns& c) {
  std::map<std::string, int> rows;
  for (size_t i = 0; i < c.size(); ++i) {
    std::string k = key.exchange + "/" + key.symbol + "|";
    k.append(reinterpret_cast<const char*>(&c.ts[i]), 8);
    if (!c.side.empty()) k.push_back(static_cast<char>(c.side[i]));
    for (const auto& v : c.values) k.append(reinterpret_cast<const char*>(&v[i]), 8);
    if (!c.account.empty()) k += c.AccountOf(i);
    rows[k]++;
  }
  return rows;
}

uint64_t TotalRows(const Store& store) {
  uint64_t n = 0;
  for (const auto& s : store.ListSeries(std::nullopt)) n += s.rows;
  return n;
}

TEST_CASE("appended rows survive closing and reopening the store", "[store]") {
  TempDir dir;
  Columns rows = RandomLiquidations(2500, 1'700'000'000'000'000, 3'600'000'000, 1);
  {
    auto store = OpenStore(dir.path());
    auto r = store->Append({kBtc, rows});
    REQUIRE(r.ok());
    CHECK(r->stored == 2500);
    CHECK(r->duplicates == 0);
  }
  auto store = OpenStore(dir.path());
  CHECK(RowMultiset(*store, Kind::kLiquidations) == Multiset(kBtc, rows));
  auto series = store->ListSeries(Kind::kLiquidations);
  REQUIRE(series.size() == 1);
  CHECK(series[0].key == kBtc);
  CHECK(series[0].rows == 2500);
}

TEST_CASE("Store::Open shares one handle per folder", "[store]") {
  TempDir dir;
  auto a = OpenStore(dir.path());
  auto b = OpenStore(dir.path() + "/.");
  CHECK(a.get() == b.get());
}

TEST_CASE("small appends are staged, then sealed into full chunks", "[store]") {
  TempDir dir;
  auto store = OpenStore(dir.path(), 1000);
  Columns all(Kind::kLiquidations);
  for (int b = 0; b < 9; ++b) {
    Columns rows = RandomLiquidations(100, 1'700'000'000'000'000 + b * 1'000'000'000LL, 900'000'000, 10 + b);
    for (size_t i = 0; i < rows.size(); ++i) all.AppendRow(rows, i);
    REQUIRE(store->Append({kBtc, rows}).ok());
  }
  auto s = store->ListSeries(Kind::kLiquidations)[0];
  CHECK(s.chunks == 9);
  CHECK(s.staged_chunks == 9);
  // The tenth batch brings staged rows to chunk_rows: one sealed chunk.
  Columns rows = RandomLiquidations(100, 1'700'000'010'000'000, 900'000'000, 99);
  for (size_t i = 0; i < rows.size(); ++i) all.AppendRow(rows, i);
  REQUIRE(store->Append({kBtc, rows}).ok());
  s = store->ListSeries(Kind::kLiquidations)[0];
  CHECK(s.chunks == 1);
  CHECK(s.staged_chunks == 0);
  CHECK(s.rows == 1000);
  CHECK(RowMultiset(*store, Kind::kLiquidations) == Multiset(kBtc, all));

  REQUIRE(store->Append({kBtc, RandomLiquidations(10, 1'700'000'020'000'000, 1000, 5)}).ok());
  CHECK(store->ListSeries(Kind::kLiquidations)[0].staged_chunks == 1);
  REQUIRE(store->Seal(true).ok());
  CHECK(store->ListSeries(Kind::kLiquidations)[0].staged_chunks == 0);
  CHECK(store->ListSeries(Kind::kLiquidations)[0].rows == 1010);
}

TEST_CASE("re-appending a batch stores nothing; equal rows inside one batch all count",
          "[store][idempotency]") {
  TempDir dir;
  auto store = OpenStore(dir.path(), 500);
  Columns rows = RandomLiquidations(1200, 1'700'000'000'000'000, 60'000'000, 3);
  // Two genuinely distinct liquidations sharing every field.
  rows.AddLiquidation(1'700'000'000'500'000, Side::kLong, 65000.5, 0.25, 65000.5 * 0.25);
  rows.AddLiquidation(1'700'000'000'500'000, Side::kLong, 65000.5, 0.25, 65000.5 * 0.25);
  auto first = store->Append({kBtc, rows});
  REQUIRE(first.ok());
  CHECK(first->stored == 1202);
  auto again = store->Append({kBtc, rows});
  REQUIRE(again.ok());
  CHECK(again->stored == 0);
  CHECK(again->duplicates == 1202);
  CHECK(TotalRows(*store) == 1202);

  // A later archive repeating the pair three times brings one new copy.
  Columns three(Kind::kLiquidations);
  for (int i = 0; i < 3; ++i)
    three.AddLiquidation(1'700'000'000'500'000, Side::kLong, 65000.5, 0.25, 65000.5 * 0.25);
  auto more = store->Append({kBtc, three});
  REQUIRE(more.ok());
  CHECK(more->stored == 1);
  CHECK(more->duplicates == 2);
  CHECK(TotalRows(*store) == 1203);
}

TEST_CASE("out-of-order archives make overlapping chunks; reads and compaction keep every row once",
          "[store][overlap]") {
  TempDir dir;
  auto store = OpenStore(dir.path(), 400);
  const Timestamp t0 = 1'700'000'000'000'000;
  Columns a = RandomLiquidations(1000, t0, 3'600'000'000, 7, true);
  Columns b = RandomLiquidations(1000, t0 + 1'800'000'000, 3'600'000'000, 8, true);
  REQUIRE(store->Append({kBtc, b}).ok());
  REQUIRE(store->Append({kBtc, a}).ok());
  REQUIRE(store->Append({{"okx", "BTC-USDT-SWAP"}, a}).ok());
  auto expected = Multiset(kBtc, a);
  for (auto& [k, n] : Multiset(kBtc, b)) expected[k] += n;
  for (auto& [k, n] : Multiset({"okx", "BTC-USDT-SWAP"}, a)) expected[k] += n;
  CHECK(RowMultiset(*store, Kind::kLiquidations) == expected);

  REQUIRE(store->Compact().ok());
  CHECK(RowMultiset(*store, Kind::kLiquidations) == expected);
  for (const auto& s : store->ListSeries(Kind::kLiquidations)) {
    CHECK(s.staged_chunks == 0);
  }
  // After compaction no two chunks of a series overlap.
  auto reader = store->ReadChunks(Kind::kLiquidations, {}, kMinTimestamp, kMaxTimestamp);
  REQUIRE(reader.ok());
  std::map<uint32_t, Timestamp> last_max;
  for (; (*reader)->Valid(); (*reader)->Next()) {
    const ChunkMeta& m = (*reader)->meta();
    if (last_max.count(m.series_id)) CHECK(m.min_ts > last_max[m.series_id]);
    last_max[m.series_id] = m.max_ts;
  }
  REQUIRE(store->Verify([](const std::string& msg) { FAIL(msg); }).ok());
}

TEST_CASE("values round-trip bit-exactly, decimal or not", "[store]") {
  TempDir dir;
  auto store = OpenStore(dir.path(), 100);
  Columns rows(Kind::kLiquidations);
  const double odd[] = {0.0,
                        -0.0 + 0.0,
                        1e-310,
                        5e-324,
                        1.0 / 3.0,
                        123456789.123456789,
                        std::numeric_limits<double>::max(),
                        0.1 + 0.2,
                        65000.5,
                        1e300};
  Timestamp t = -5'000'000;  // before the epoch too
  for (double p : odd) {
    if (!(p > 0)) continue;  // a liquidation price is > 0 (ValidateRowValues); qty may be 0
    for (double q : odd) {
      const double n = std::isfinite(p * q * 1.0000001) ? p * q * 1.0000001 : p;
      rows.AddLiquidation(t++, Side::kShort, p, q, n);
    }
  }
  REQUIRE(store->Append({kBtc, rows}).ok());
  REQUIRE(store->Seal(true).ok());
  CHECK(RowMultiset(*store, Kind::kLiquidations) == Multiset(kBtc, rows));
}

TEST_CASE("positions and market rows round-trip, NULLs included", "[store]") {
  TempDir dir;
  auto store = OpenStore(dir.path(), 50);
  Columns pos(Kind::kPositions);
  Columns mkt(Kind::kMarket);
  for (int i = 0; i < 120; ++i) {
    pos.AddPosition(1000 + i, "acct" + std::to_string(i % 7), i % 3 ? Side::kLong : Side::kShort,
                    i % 5 == 0 ? 0.0 : 0.5 * i, 60000 + i * 0.5,
                    i % 4 ? std::optional<double>(10 + i % 20) : std::nullopt,
                    i % 6 ? std::optional<double>(55000 + i) : std::nullopt);
    mkt.AddMarket(1000 + i * 1000, 65000.1 + i, 12345.678 + i);
  }
  REQUIRE(store->Append({kBtc, pos}).ok());
  REQUIRE(store->Append({kBtc, mkt}).ok());
  REQUIRE(store->Seal(true).ok());
  CHECK(RowMultiset(*store, Kind::kPositions) == Multiset(kBtc, pos));
  CHECK(RowMultiset(*store, Kind::kMarket) == Multiset(kBtc, mkt));
}

TEST_CASE("a bad row fails the whole batch and stores nothing", "[store][bad-input]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Columns good = RandomLiquidations(10, 1'700'000'000'000'000, 1'000'000, 1);
  REQUIRE(store->Append({kBtc, good}).ok());

  struct Case {
    const char* what;
    std::function<void(Columns&)> spoil;
    const char* message;
  };
  std::vector<Case> cases = {
      {"NaN price", [](Columns& c) { c.values[liq_col::kPrice][3] = std::nan(""); }, "price"},
      {"inf qty", [](Columns& c) { c.values[liq_col::kQty][4] = INFINITY; }, "qty"},
      {"negative notional", [](Columns& c) { c.values[liq_col::kNotional][5] = -1; }, "notional"},
      {"unknown side", [](Columns& c) { c.side[6] = 7; }, "side"},
  };
  for (auto& c : cases) {
    SECTION(c.what) {
      Columns bad = RandomLiquidations(10, 1'700'000'100'000'000, 1'000'000, 2);
      c.spoil(bad);
      auto r = store->AppendAll({{{"bybit", "BTCUSDT"}, good}, {kBtc, bad}});
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().IsInvalidArgument());
      CHECK_THAT(r.status().message(), Catch::Contains(c.message));
      CHECK(TotalRows(*store) == 10);
    }
  }
  SECTION("empty symbol") {
    auto r = store->Append({{"binance", ""}, good});
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("symbol"));
  }
}

TEST_CASE("a corrupted chunk is reported as corruption naming store and chunk", "[store][corruption]") {
  TempDir dir;
  {
    auto store = OpenStore(dir.path(), 100);
    REQUIRE(store->Append({kBtc, RandomLiquidations(100, 1'700'000'000'000'000, 1'000'000, 1)}).ok());
  }
  SECTION("a flipped byte in a column") {
    {
      rocksdb::DB* raw;
      REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir.path(), &raw).ok());
      std::unique_ptr<rocksdb::DB> db(raw);
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
      bool done = false;
      for (it->Seek("C"); it->Valid() && !done; it->Next()) {
        storage::ChunkKey k;
        REQUIRE(storage::DecodeChunkKey(it->key().ToStringView(), &k));
        if (k.part != storage::kPartColumn + 3) continue;  // price
        std::string v = it->value().ToString();
        v[v.size() / 2] ^= 0x5a;
        REQUIRE(db->Put(rocksdb::WriteOptions(), it->key(), v).ok());
        done = true;
      }
      REQUIRE(done);
    }
    auto store = OpenStore(dir.path(), 100);
    ScanFilter f;
    auto scanner = RowScanner::Open(*store, f);
    REQUIRE(scanner.ok());
    ScanBlock block;
    auto r = (*scanner)->Next(&block);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().IsCorruption());
    CHECK_THAT(r.status().message(), Catch::Contains(dir.path()) && Catch::Contains("chunk"));
    std::vector<std::string> reports;
    CHECK(store->Verify([&](const std::string& m) { reports.push_back(m); }).IsCorruption());
    CHECK(reports.size() == 1);
  }
  SECTION("a damaged header") {
    {
      rocksdb::DB* raw;
      REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir.path(), &raw).ok());
      std::unique_ptr<rocksdb::DB> db(raw);
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
      it->Seek("H");
      REQUIRE(it->Valid());
      REQUIRE(db->Put(rocksdb::WriteOptions(), it->key(), "garbage").ok());
    }
    auto store = OpenStore(dir.path(), 100);
    LiqHistogramSpec spec{1'600'000'000'000'000, 1'800'000'000'000'000, 86'400'000'000LL * 30, {}, {}, {}};
    auto h = LiqHistogram(*store, spec);
    REQUIRE_FALSE(h.ok());
    CHECK(h.status().IsCorruption());
    CHECK_THAT(h.status().message(), Catch::Contains("chunk"));
  }
}

}  // namespace
}  // namespace liqdb

namespace liqdb {
namespace {

TEST_CASE("checkpoints: latest at or before, dropped by an append before them", "[store][checkpoint]") {
  test::TempDir dir;
  auto store = OpenStore(dir.path());
  Columns pos(Kind::kPositions);
  pos.AddPosition(100, "a", Side::kLong, 1, 50, 10, std::nullopt);
  REQUIRE(store->Append({kBtc, pos}).ok());
  const uint32_t sid = store->ListSeries(Kind::kPositions)[0].series_id;
  REQUIRE(store->PutCheckpoint(Kind::kPositions, sid, 1000, "state@1000").ok());
  REQUIRE(store->PutCheckpoint(Kind::kPositions, sid, 2000, "state@2000").ok());

  auto cp = store->LatestCheckpoint(Kind::kPositions, sid, 1999);
  REQUIRE(cp.ok());
  REQUIRE(cp->has_value());
  CHECK((*cp)->at == 1000);
  CHECK((*cp)->state == "state@1000");
  cp = store->LatestCheckpoint(Kind::kPositions, sid, 999);
  REQUIRE(cp.ok());
  CHECK_FALSE(cp->has_value());
  // Another kind's checkpoints are not this series'.
  cp = store->LatestCheckpoint(Kind::kMarket, sid, 5000);
  REQUIRE(cp.ok());
  CHECK_FALSE(cp->has_value());

  // A row at ts 1999 changes the state after it: checkpoint 2000 goes,
  // checkpoint 1000 (rows before 1000) stays.
  Columns late(Kind::kPositions);
  late.AddPosition(1999, "b", Side::kShort, 2, 60, 5, std::nullopt);
  REQUIRE(store->Append({kBtc, late}).ok());
  cp = store->LatestCheckpoint(Kind::kPositions, sid, 5000);
  REQUIRE(cp.ok());
  REQUIRE(cp->has_value());
  CHECK((*cp)->at == 1000);
}

}  // namespace
}  // namespace liqdb

namespace liqdb {
namespace {

TEST_CASE("a read-only handle does not capture later writers of the same folder", "[store]") {
  test::TempDir dir;
  REQUIRE(OpenStore(dir.path())->Append({kBtc, RandomLiquidations(10, 0, 1000, 1)}).ok());
  StoreOptions ro;
  ro.mode = StoreOptions::Mode::kReadOnly;
  auto reader = Store::Open(dir.path(), ro);
  REQUIRE(reader.ok());
  CHECK((*reader)->read_only());
  auto writer = OpenStore(dir.path());
  CHECK_FALSE(writer->read_only());
  CHECK(writer.get() != reader->get());
  REQUIRE(writer->Append({kBtc, RandomLiquidations(5, 5000, 1000, 2)}).ok());
  // A read-only request now gets the writer's handle, which sees everything.
  auto reader2 = Store::Open(dir.path(), ro);
  REQUIRE(reader2.ok());
  CHECK(reader2->get() == writer.get());
  CHECK(TotalRows(**reader2) == 15);
}

TEST_CASE("the series listing follows every write; one taken earlier stays as it was", "[store]") {
  TempDir dir;
  auto store = OpenStore(dir.path(), 1000);
  const SeriesKey kEth{"bybit", "ETHUSDT"};
  REQUIRE(store->Append({kBtc, RandomLiquidations(100, 1'700'000'000'000'000, 900'000'000, 1)}).ok());
  const auto before = store->SeriesListing();
  REQUIRE(before->size() == 1);
  CHECK(store->SeriesListing() == before);  // nothing changed: the same list

  REQUIRE(store->Append({kEth, RandomLiquidations(50, 1'700'000'000'000'000, 900'000'000, 2)}).ok());
  REQUIRE(store->Append({kBtc, RandomLiquidations(30, 1'700'000'001'000'000, 900'000'000, 3)}).ok());
  const auto after = store->SeriesListing();
  REQUIRE(after->size() == 2);
  // Ordered by key: binance/BTCUSDT, then bybit/ETHUSDT.
  CHECK((*after)[0].key == kBtc);
  CHECK((*after)[0].rows == 130);
  CHECK((*after)[0].staged_chunks == 2);
  CHECK((*after)[1].key == kEth);
  CHECK((*after)[1].rows == 50);
  CHECK(before->size() == 1);
  CHECK((*before)[0].rows == 100);

  REQUIRE(store->Seal(true).ok());
  CHECK((*store->SeriesListing())[0].staged_chunks == 0);
  CHECK((*store->SeriesListing())[0].rows == 130);
  REQUIRE(store->Compact().ok());
  CHECK((*store->SeriesListing())[0].rows == 130);
  CHECK(store->ListSeries(Kind::kLiquidations).size() == 2);
  CHECK(store->ListSeries(Kind::kPositions).empty());
}

TEST_CASE("a read-only follower's listing changes when it catches up with the writer", "[store]") {
  test::TempDir dir;
  auto writer = OpenStore(dir.path());
  REQUIRE(writer->Append({kBtc, RandomLiquidations(10, 0, 1000, 1)}).ok());
  // A second handle on the folder, as another process would have: RocksDB
  // lets a secondary open beside the writer.
  StoreOptions ro;
  ro.mode = StoreOptions::Mode::kReadOnly;
  auto opened = storage::RocksStore::OpenFolder(dir.path(), ro);
  REQUIRE(opened.ok());
  std::shared_ptr<storage::RocksStore> reader = *opened;
  CHECK((*reader->SeriesListing())[0].rows == 10);
  REQUIRE(writer->Append({kBtc, RandomLiquidations(5, 5000, 1000, 2)}).ok());
  REQUIRE(reader->Refresh().ok());
  CHECK((*reader->SeriesListing())[0].rows == 15);
}

TEST_CASE("a chunk reader reads the named series' chunks once each, and rewinds", "[store]") {
  TempDir dir;
  auto store = OpenStore(dir.path(), 1000);
  const SeriesKey kEth{"bybit", "ETHUSDT"}, kSol{"okx", "SOL-USDT-SWAP"};
  for (const SeriesKey& k : {kBtc, kEth, kSol}) {
    REQUIRE(store->Append({k, RandomLiquidations(2500, 1'700'000'000'000'000, 9'000'000'000, 7)}).ok());
  }
  REQUIRE(store->Seal(true).ok());
  std::map<SeriesKey, uint32_t> id;
  for (const SeriesInfo& s : store->ListSeries(Kind::kLiquidations)) id[s.key] = s.series_id;
  // The same id twice, and one the store does not have.
  auto reader = store->ReadChunks(Kind::kLiquidations, {id[kSol], id[kBtc], id[kSol], 999'999}, kMinTimestamp,
                                  kMaxTimestamp);
  REQUIRE(reader.ok());
  std::vector<uint64_t> first, second;
  uint64_t rows = 0;
  for (auto& r = *reader; r->Valid(); r->Next()) {
    CHECK(r->series() != kEth);
    first.push_back(r->meta().chunk_id);
    rows += r->meta().rows;
  }
  CHECK(rows == 5000);
  (*reader)->Rewind();
  for (auto& r = *reader; r->Valid(); r->Next()) second.push_back(r->meta().chunk_id);
  CHECK(second == first);
  CHECK(std::set<uint64_t>(first.begin(), first.end()).size() == first.size());
}

TEST_CASE("a chunk reader tells a product-coded notional and decodes values at chosen rows", "[store]") {
  TempDir dir;
  auto store = OpenStore(dir.path(), 5000);
  Columns product = RandomLiquidations(3000, 1'709'251'200'000'000, 3'600'000'000, 5);
  // A venue whose notional is not price x qty on one row keeps it as values.
  Columns stated = RandomLiquidations(3000, 1'709'251'200'000'000, 3'600'000'000, 6);
  stated.values[liq_col::kNotional][1234] += 0.5;
  const SeriesKey kEth{"bybit", "ETHUSDT"};
  REQUIRE(store->Append({kBtc, product}).ok());
  REQUIRE(store->Append({kEth, stated}).ok());
  REQUIRE(store->Seal(true).ok());

  auto reader = store->ReadChunks(Kind::kLiquidations, {}, kMinTimestamp, kMaxTimestamp);
  REQUIRE(reader.ok());
  int seen = 0;
  for (auto& r = *reader; r->Valid(); r->Next()) {
    const bool is_btc = r->series() == kBtc;
    const Columns& want = is_btc ? product : stated;
    const size_t n = r->meta().rows;
    REQUIRE(n == want.size());
    auto is_product = r->IsProduct(liq_col::kNotional);
    REQUIRE(is_product.ok());
    CHECK(*is_product == is_btc);
    auto price_is_product = r->IsProduct(liq_col::kPrice);
    REQUIRE(price_is_product.ok());
    CHECK_FALSE(*price_is_product);
    // Rows in ts order as stored; the chosen ones include both ends.
    Columns all(Kind::kLiquidations);
    REQUIRE(r->Decode(kAllColumns, &all).ok());
    const std::vector<uint32_t> at = {0, 1, 1023, 1024, 1234, 2047, static_cast<uint32_t>(n - 1)};
    for (int c : {liq_col::kPrice, liq_col::kQty, liq_col::kNotional}) {
      std::vector<double> got(at.size());
      const Status s = r->DecodeValuesAt(c, at.data(), at.size(), got.data());
      if (c == liq_col::kNotional && is_btc) {
        CHECK(s.IsInvalidArgument());  // a product has no values of its own
        continue;
      }
      REQUIRE(s.ok());
      for (size_t k = 0; k < at.size(); ++k) CHECK(got[k] == all.values[c][at[k]]);
    }
    ++seen;
  }
  CHECK(seen == 2);
}

}  // namespace
}  // namespace liqdb
