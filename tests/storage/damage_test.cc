// Damage on disk is detected and named, never silently dropped: byte flips in
// the write-ahead log, the manifest, table files and checkpoint values; torn
// log tails stay normal recovery; Store::Recover opens a damaged store and
// reports what it gave up; version-1 stores lose their unchecksummed
// checkpoints on upgrade.
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <catch2/catch.hpp>

#include "storage/keys.h"
#include "storage/log_check.h"
#include "test_util.h"

#include "liqdb/store.h"

namespace liqdb {
namespace {

namespace fs = std::filesystem;
using test::RandomLiquidations;
using test::TempDir;

const SeriesKey kBtc{"binance", "BTCUSDT"};
constexpr int kBatches = 30;
constexpr int kBatchRows = 100;
constexpr Timestamp kT0 = 1'709'251'200'000'000;  // 2024-03-01

// Writes kBatches synced batches of kBatchRows distinct rows and closes the
// store without a flush: the rows live only in the write-ahead log.
void WriteLoggedBatches(const std::string& dir) {
  StoreOptions o;
  o.sync = true;
  o.chunk_rows = 1 << 20;  // nothing is sealed: every batch is one staged chunk in one log record
  auto store = Store::Open(dir, o);
  REQUIRE(store.ok());
  for (int b = 0; b < kBatches; ++b) {
    Columns rows = RandomLiquidations(kBatchRows, kT0 + b * 60'000'000LL, 60'000'000, 100 + b);
    auto st = (*store)->Append(SeriesBatch{kBtc, rows});
    REQUIRE(st.ok());
    REQUIRE(st->stored == kBatchRows);
  }
}

// `rows` liquidations over an hour in chunks of `chunk_rows`, compacted: the
// rows live in table files, none in the write-ahead log.
void WriteCompactedStore(const std::string& dir, size_t rows, uint32_t chunk_rows, uint64_t seed) {
  StoreOptions o;
  o.chunk_rows = chunk_rows;
  auto store = Store::Open(dir, o);
  REQUIRE(store.ok());
  REQUIRE((*store)->Append(SeriesBatch{kBtc, RandomLiquidations(rows, kT0, 3'600'000'000LL, seed)}).ok());
  REQUIRE((*store)->Compact().ok());
}

uint64_t RowCount(const Store& store) {
  uint64_t n = 0;
  for (const auto& s : store.ListSeries(std::nullopt)) n += s.rows;
  return n;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

void FlipByte(const std::string& path, size_t offset) {
  std::string data = ReadFile(path);
  REQUIRE(offset < data.size());
  data[offset] = static_cast<char>(data[offset] ^ 0x5A);
  WriteFile(path, data);
}

std::string OnlyWal(const std::string& dir) {
  auto wals = storage::WalFiles(dir);
  REQUIRE(wals.size() == 1);
  return wals[0];
}

// Offsets inside fragments, away from the 32 KiB block trailers; the first
// is in the log's first record, so that nothing at all can be replayed.
std::vector<size_t> FlipOffsets(size_t size, int n) {
  std::vector<size_t> out = {3};
  for (int i = 1; i <= n; ++i) {
    size_t at = size * i / (n + 1);
    if (at % 32768 > 32768 - 16) at -= 16;
    out.push_back(at);
  }
  return out;
}

TEST_CASE("a flipped byte in the write-ahead log fails the open, naming the file and offset",
          "[store][damage]") {
  TempDir base;
  const std::string pristine = base.Sub("pristine");
  WriteLoggedBatches(pristine);
  const size_t wal_size = fs::file_size(OnlyWal(pristine));
  REQUIRE(wal_size > 20000);  // the rows are in the log, not flushed to a table file

  int detected = 0, recovered = 0;
  for (size_t offset : FlipOffsets(wal_size, 15)) {
    const std::string dir = base.Sub("flip-" + std::to_string(offset));
    fs::copy(pristine, dir, fs::copy_options::recursive);
    const std::string wal = OnlyWal(dir);
    FlipByte(wal, offset);

    auto opened = Store::Open(dir);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.status().IsCorruption());
    CHECK_THAT(opened.status().message(), Catch::Contains(fs::path(wal).filename().string()));
    CHECK_THAT(opened.status().message(), Catch::Contains("at byte"));
    CHECK_THAT(opened.status().message(), Catch::Contains("liqdb recover"));
    ++detected;
    // Refusing to open changed nothing.
    CHECK(ReadFile(wal).size() == wal_size);

    auto report = Store::Recover(dir);
    REQUIRE(report.ok());
    CHECK(report->changed);
    CHECK(report->unreadable_records == 1);
    REQUIRE_FALSE(report->kept.empty());
    CHECK(fs::exists(fs::path(report->kept) / fs::path(wal).filename()));
    int64_t lost = 0;
    for (const auto& l : report->lost) {
      CHECK(l.series == kBtc);
      CHECK(l.min_ts <= l.max_ts);
      lost += l.rows;
    }
    auto store = Store::Open(dir);
    INFO("flip at byte " << offset << ": " << store.status().ToString());
    REQUIRE(store.ok());
    CHECK((*store)->Verify([](const std::string&) {}).ok());
    const uint64_t present = RowCount(**store);
    // Batches are whole or absent; what is neither present nor reported lost
    // is the one damaged record (a batch of rows, or the store's metadata).
    CHECK(present % kBatchRows == 0);
    const int64_t missing = kBatches * kBatchRows - static_cast<int64_t>(present) - lost;
    CHECK((missing == 0 || missing == kBatchRows));
    ++recovered;
  }
  CHECK(detected == 16);
  CHECK(recovered == 16);
}

TEST_CASE("recover drops a damaged log whose only record is lost, so the store opens again",
          "[store][damage]") {
  TempDir base;
  const std::string dir = base.Sub("s");
  WriteLoggedBatches(dir);
  {
    // Reopening replays the log into a table file; the one batch appended
    // now is the only record of the new log.
    auto store = Store::Open(dir);
    REQUIRE(store.ok());
    Columns rows = RandomLiquidations(kBatchRows, kT0 + kBatches * 60'000'000LL, 60'000'000, 77);
    REQUIRE((*store)->Append(SeriesBatch{kBtc, rows}).ok());
  }
  std::string wal;
  for (const std::string& w : storage::WalFiles(dir)) {
    if (fs::file_size(w) > 100) wal = w;
  }
  REQUIRE_FALSE(wal.empty());
  FlipByte(wal, 60);
  REQUIRE_FALSE(Store::Open(dir).ok());
  auto report = Store::Recover(dir);
  REQUIRE(report.ok());
  CHECK(report->unreadable_records == 1);
  for (int reopen = 0; reopen < 2; ++reopen) {
    auto store = Store::Open(dir);
    INFO("reopen " << reopen << ": " << store.status().ToString());
    REQUIRE(store.ok());
    CHECK(RowCount(**store) == kBatches * kBatchRows);
    CHECK((*store)->Verify([](const std::string&) {}).ok());
  }
}

TEST_CASE("a torn last log record is ordinary crash recovery", "[store][damage]") {
  TempDir base;
  const std::string dir = base.Sub("s");
  WriteLoggedBatches(dir);
  const std::string wal = OnlyWal(dir);
  std::string data = ReadFile(wal);
  data.resize(data.size() - 50);  // the writer died while writing its last record
  WriteFile(wal, data);
  auto store = Store::Open(dir);
  REQUIRE(store.ok());
  CHECK(RowCount(**store) == (kBatches - 1) * kBatchRows);
  CHECK((*store)->Verify([](const std::string&) {}).ok());
}

TEST_CASE("verify names a damaged log of a store that is open", "[store][damage]") {
  TempDir base;
  const std::string dir = base.Sub("s");
  WriteLoggedBatches(dir);
  auto store = Store::Open(dir);
  REQUIRE(store.ok());
  for (int b = 0; b < 5; ++b) {
    Columns rows = RandomLiquidations(kBatchRows, kT0 + (kBatches + b) * 60'000'000LL, 60'000'000, 900 + b);
    REQUIRE((*store)->Append(SeriesBatch{kBtc, rows}).ok());
  }
  // Damage appearing in the live log is reported before a restart trips over
  // it. The log's first record (a batch of 100 rows, over 1 KB) starts at
  // byte 0, and a damaged record is named by where it starts.
  const std::string live = storage::WalFiles(dir).back();
  REQUIRE(fs::file_size(live) > 1000);
  FlipByte(live, 100);
  std::vector<std::string> problems;
  Status s = (*store)->Verify([&](const std::string& p) { problems.push_back(p); });
  CHECK(s.IsCorruption());
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0],
             Catch::Contains("write-ahead log") && Catch::Contains("checksum mismatch at byte 0"));
}

TEST_CASE("a flipped byte in the manifest fails the open; recover rebuilds it, losing nothing",
          "[store][damage]") {
  TempDir base;
  const std::string dir = base.Sub("s");
  WriteCompactedStore(dir, 5000, 1000, 7);
  const std::string manifest = storage::CurrentManifest(dir);
  REQUIRE_FALSE(manifest.empty());
  FlipByte(manifest, fs::file_size(manifest) / 2);
  auto opened = Store::Open(dir);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().IsCorruption());
  CHECK_THAT(opened.status().message(), Catch::Contains("MANIFEST"));

  auto report = Store::Recover(dir);
  REQUIRE(report.ok());
  CHECK(report->changed);
  auto store = Store::Open(dir);
  REQUIRE(store.ok());
  CHECK(RowCount(**store) == 5000);
  CHECK((*store)->Verify([](const std::string&) {}).ok());
}

TEST_CASE("byte flips in table files are detected by reads or verify", "[store][damage]") {
  TempDir base;
  const std::string pristine = base.Sub("pristine");
  WriteCompactedStore(pristine, 20000, 4000, 9);
  std::vector<std::string> tables;
  for (const auto& e : fs::directory_iterator(pristine)) {
    if (e.path().extension() == ".sst") tables.push_back(e.path().filename().string());
  }
  REQUIRE_FALSE(tables.empty());
  int flips = 0, detected = 0;
  for (const std::string& table : tables) {
    const size_t size = fs::file_size(fs::path(pristine) / table);
    for (size_t offset : FlipOffsets(size, 5)) {
      const std::string dir = base.Sub("flip-" + std::to_string(flips++));
      fs::copy(pristine, dir, fs::copy_options::recursive);
      FlipByte((fs::path(dir) / table).string(), offset);
      auto store = Store::Open(dir);
      if (!store.ok()) {
        ++detected;
        continue;
      }
      if (!(*store)->Verify([](const std::string&) {}).ok()) ++detected;
    }
  }
  CHECK(detected == flips);
}

// Overwrites the value of the store's only checkpoint through RocksDB itself:
// the record is valid for RocksDB, only liqdb's checksum can tell.
void CorruptCheckpointValue(const std::string& dir) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Options o;
  REQUIRE(rocksdb::DB::Open(o, dir, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  it->Seek(std::string(1, storage::kTagCheckpoint));
  REQUIRE(it->Valid());
  REQUIRE(it->key()[0] == storage::kTagCheckpoint);
  std::string key = it->key().ToString(), value = it->value().ToString();
  value[0] = static_cast<char>(value[0] ^ 1);
  it.reset();
  REQUIRE(db->Put(rocksdb::WriteOptions(), key, value).ok());
}

TEST_CASE("a damaged checkpoint value is named, verified and dropped by recover", "[store][damage]") {
  TempDir base;
  const std::string dir = base.Sub("s");
  uint32_t series_id = 0;
  {
    auto store = Store::Open(dir);
    REQUIRE(store.ok());
    REQUIRE((*store)->Append(SeriesBatch{kBtc, RandomLiquidations(100, kT0, 60'000'000, 3)}).ok());
    series_id = (*store)->ListSeries(Kind::kLiquidations).at(0).series_id;
    REQUIRE((*store)->PutCheckpoint(Kind::kLiquidations, series_id, kT0 + 60'000'000, "state bytes").ok());
    auto cp = (*store)->LatestCheckpoint(Kind::kLiquidations, series_id, kMaxTimestamp);
    REQUIRE(cp.ok());
    REQUIRE(cp->has_value());
    CHECK((*cp)->state == "state bytes");
  }
  CorruptCheckpointValue(dir);
  {
    auto store = Store::Open(dir);
    REQUIRE(store.ok());
    auto cp = (*store)->LatestCheckpoint(Kind::kLiquidations, series_id, kMaxTimestamp);
    REQUIRE_FALSE(cp.ok());
    CHECK(cp.status().IsCorruption());
    CHECK_THAT(cp.status().message(), Catch::Contains("checkpoint") && Catch::Contains("binance/BTCUSDT"));
    std::vector<std::string> problems;
    CHECK((*store)->Verify([&](const std::string& p) { problems.push_back(p); }).IsCorruption());
    CHECK(problems.size() == 1);
  }
  auto report = Store::Recover(dir);
  REQUIRE(report.ok());
  CHECK(report->changed);
  CHECK(report->lost.empty());
  auto store = Store::Open(dir);
  REQUIRE(store.ok());
  auto cp = (*store)->LatestCheckpoint(Kind::kLiquidations, series_id, kMaxTimestamp);
  REQUIRE(cp.ok());
  CHECK_FALSE(cp->has_value());
  CHECK(RowCount(**store) == 100);
  CHECK((*store)->Verify([](const std::string&) {}).ok());
}

TEST_CASE("a version-1 store's unchecksummed checkpoints are ignored, then dropped on upgrade",
          "[store][damage]") {
  TempDir base;
  const std::string dir = base.Sub("s");
  uint32_t series_id = 0;
  {
    auto store = Store::Open(dir);
    REQUIRE(store.ok());
    REQUIRE((*store)->Append(SeriesBatch{kBtc, RandomLiquidations(100, kT0, 60'000'000, 3)}).ok());
    series_id = (*store)->ListSeries(Kind::kLiquidations).at(0).series_id;
  }
  {
    // What liqdb 0.1 wrote: format_version 1 and a bare checkpoint value.
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    const uint64_t v1 = 1;
    REQUIRE(db->Put(rocksdb::WriteOptions(), storage::MetaKey("format_version"),
                    std::string(reinterpret_cast<const char*>(&v1), 8))
                .ok());
    REQUIRE(
        db->Put(rocksdb::WriteOptions(), storage::CheckpointKey(Kind::kLiquidations, series_id, kT0), "old")
            .ok());
  }
  {
    StoreOptions ro;
    ro.mode = StoreOptions::Mode::kReadOnly;
    auto store = Store::Open(dir, ro);
    REQUIRE(store.ok());
    auto cp = (*store)->LatestCheckpoint(Kind::kLiquidations, series_id, kMaxTimestamp);
    REQUIRE(cp.ok());
    CHECK_FALSE(cp->has_value());
  }
  {
    auto store = Store::Open(dir);  // a writer upgrades the store
    REQUIRE(store.ok());
    CHECK(RowCount(**store) == 100);
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Options o;
  REQUIRE(rocksdb::DB::OpenForReadOnly(o, dir, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string value;
  CHECK(db->Get(rocksdb::ReadOptions(), storage::CheckpointKey(Kind::kLiquidations, series_id, kT0), &value)
            .IsNotFound());
  REQUIRE(db->Get(rocksdb::ReadOptions(), storage::MetaKey("format_version"), &value).ok());
  uint64_t version = 0;
  std::memcpy(&version, value.data(), 8);
  CHECK(version == 2);
}

TEST_CASE("recover on a sound store changes nothing", "[store][damage]") {
  TempDir base;
  const std::string dir = base.Sub("s");
  WriteLoggedBatches(dir);
  auto report = Store::Recover(dir);
  REQUIRE(report.ok());
  CHECK_FALSE(report->changed);
  CHECK(report->lost.empty());
  CHECK(report->kept.empty());
  auto store = Store::Open(dir);
  REQUIRE(store.ok());
  CHECK(RowCount(**store) == kBatches * kBatchRows);
}

}  // namespace
}  // namespace liqdb
