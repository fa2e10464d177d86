// Helpers for the ingest tests: an in-memory Store that follows store.h's
// documented Append semantics (validation, multiset dedupe per series,
// atomic AppendAll), temp folders, sample files and compressed fixtures.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <boost/iostreams/copy.hpp>
#include <boost/iostreams/device/file.hpp>
#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filter/zstd.hpp>
#include <boost/iostreams/filtering_stream.hpp>

#include "liqdb/ingest.h"

namespace liqdb::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

inline std::string Sample(const std::string& name) {
  return ReadFile(std::string(LIQDB_SAMPLES_DIR) + "/" + name);
}

// A fresh, empty folder under $LIQDB_TEST_TMP (or /tmp).
// A shell command's exit code, standard output and standard error.
struct Out {
  int code = -1;
  std::string out, err;
};

// Runs `cmd` through the shell; its output is captured through files in `dir`.
inline Out Sh(const std::string& cmd, const std::string& dir) {
  Out o;
  const std::string so = dir + "/stdout.txt", se = dir + "/stderr.txt";
  const int rc = std::system((cmd + " >" + so + " 2>" + se).c_str());
  o.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  o.out = ReadFile(so);
  o.err = ReadFile(se);
  return o;
}

inline std::string TempDir(const std::string& name) {
  const char* base = std::getenv("LIQDB_TEST_TMP");
  std::string dir = std::string(base ? base : "/tmp") + "/ingest-" + std::to_string(::getpid()) + "-" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Compresses `data` into `path` with Boost.Iostreams.
inline void WriteCompressed(const std::string& path, const std::string& data, Compression c) {
  namespace io = boost::iostreams;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  io::filtering_ostream out;
  switch (c) {
    case Compression::kGzip: out.push(io::gzip_compressor()); break;
    case Compression::kZstd: out.push(io::zstd_compressor()); break;
    case Compression::kBzip2: out.push(io::bzip2_compressor()); break;
    case Compression::kNone: break;
  }
  out.push(file);
  out << data;
  out.reset();
}

// One stored row, comparable (doubles compared bit-exactly via ==; NaN as a flag).
struct Row {
  Kind kind;
  std::string exchange, symbol;
  Timestamp ts;
  int side;
  std::string account;
  std::vector<double> values;
  bool operator==(const Row& o) const {
    if (std::tie(kind, exchange, symbol, ts, side, account) !=
        std::tie(o.kind, o.exchange, o.symbol, o.ts, o.side, o.account)) {
      return false;
    }
    if (values.size() != o.values.size()) return false;
    for (size_t i = 0; i < values.size(); ++i) {
      if (std::memcmp(&values[i], &o.values[i], sizeof(double)) != 0) return false;
    }
    return true;
  }
};

inline std::vector<Row> RowsOf(const SeriesBatch& b) {
  std::vector<Row> out;
  const Columns& c = b.rows;
  const KindSchema& s = SchemaOf(c.kind);
  for (size_t i = 0; i < c.size(); ++i) {
    Row r{c.kind,
          b.key.exchange,
          b.key.symbol,
          c.ts[i],
          s.has_side ? c.side[i] : -1,
          s.has_account ? c.AccountOf(i) : std::string(),
          {}};
    for (const auto& v : c.values) r.values.push_back(v[i]);
    out.push_back(std::move(r));
  }
  return out;
}

// The Store contract of store.h, in memory.
class FakeStore : public Store {
 public:
  explicit FakeStore(std::string path) : path_(std::move(path)) {}
  const std::string& path() const override { return path_; }
  bool read_only() const override { return false; }
  size_t chunk_rows() const override { return chunk_target; }

  Result<AppendStats> Append(const SeriesBatch& batch) override { return AppendAll({batch}); }

  Result<AppendStats> AppendAll(const std::vector<SeriesBatch>& batches) override {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    if (fail_after >= 0 && calls > fail_after) return Status::IOError("injected failure");
    AppendStats st;
    for (const auto& b : batches) {
      Status s = ValidateRows(b.rows);
      if (!s.ok()) return s;
      // Cutting rule: the rows of a timestamp must not be split across batches.
      batch_sizes.push_back(b.rows.size());
    }
    for (const auto& b : batches) {
      std::vector<Row> in = RowsOf(b);
      st.received += in.size();
      std::vector<Row> fresh;
      for (size_t i = 0; i < in.size(); ++i) {
        size_t in_batch = 0, in_store = 0;
        for (size_t j = 0; j <= i; ++j) in_batch += in[j] == in[i];
        for (const Row& r : rows) in_store += r == in[i];
        if (in_batch > in_store)
          fresh.push_back(in[i]);
        else
          ++st.duplicates;
      }
      st.stored += fresh.size();
      rows.insert(rows.end(), fresh.begin(), fresh.end());
    }
    return st;
  }

  Status Seal(bool) override { return Status::OK(); }
  Status Compact() override { return Status::OK(); }
  Status Verify(const std::function<void(const std::string&)>&) override { return Status::OK(); }
  Status Refresh() override { return Status::OK(); }
  std::vector<SeriesInfo> ListSeries(std::optional<Kind>) const override { return {}; }
  Result<StoreStats> Stats() const override { return StoreStats{}; }
  Status PutCheckpoint(Kind, uint32_t, Timestamp, const std::string&) override { return Status::OK(); }
  Status PutGap(const Gap&) override { return Status::OK(); }
  Result<std::vector<Gap>> ListGaps(Timestamp, Timestamp) const override { return std::vector<Gap>(); }
  Status PutHeartbeat(const Heartbeat&) override { return Status::OK(); }
  Result<std::optional<Timestamp>> GetHeartbeat(const std::string&, const std::string&) const override {
    return std::optional<Timestamp>();
  }
  Result<std::optional<Checkpoint>> LatestCheckpoint(Kind, uint32_t, Timestamp) const override {
    return std::optional<Checkpoint>();
  }
  Result<std::unique_ptr<ChunkReader>> ReadChunks(Kind, const std::vector<uint32_t>&, Timestamp,
                                                  Timestamp) const override {
    return Status::NotSupported("fake store");
  }

  size_t RowCount() {
    std::lock_guard<std::mutex> lock(mu);
    return rows.size();
  }

  std::mutex mu;
  std::vector<Row> rows;
  std::vector<size_t> batch_sizes;
  int calls = 0;
  int fail_after = -1;          // AppendAll calls allowed before failing (-1 = never)
  size_t chunk_target = 65536;  // what chunk_rows() says

 private:
  std::string path_;
};

// Parses `text` with the adapter of `format`, line by line, without a store.
struct Parsed {
  std::vector<Row> rows;            // in order of series, then arrival
  std::vector<std::string> errors;  // "LINE: reason"
  LineStats stats;
};

inline Parsed ParseWith(Format format, const std::string& text, const IngestOptions& options = {},
                        const std::string& name = "test-input") {
  Parsed p;
  auto adapter = MakeAdapter(format, options);
  if (!adapter.ok()) {
    p.errors.push_back("0: " + adapter.status().message());
    return p;
  }
  auto reader = LineReader::FromString(text, name);
  Status s = (*adapter)->BeginFile(name);
  if (!s.ok()) {
    p.errors.push_back("0: " + s.message());
    return p;
  }
  RowBuffer buf;
  std::string_view line;
  while (true) {
    auto r = (*reader)->Next(&line);
    if (!r.ok() || *r != LineReader::Read::kLine) break;
    if (line.empty()) continue;
    Status ls = (*adapter)->ParseLine(line, &buf, &p.stats);
    if (!ls.ok()) p.errors.push_back(std::to_string((*reader)->line_number()) + ": " + ls.message());
  }
  (*adapter)->EndFile(true);
  for (const auto& b : buf.TakeAll()) {
    for (auto& r : RowsOf(b)) p.rows.push_back(std::move(r));
  }
  return p;
}

// The non-empty lines of `text`.
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    if (nl > at) out.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

// Rows in a canonical order, for comparing two ingests of the same rows.
inline std::vector<Row> Sorted(std::vector<Row> rows) {
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.kind, a.exchange, a.symbol, a.ts, a.side, a.account, a.values) <
           std::tie(b.kind, b.exchange, b.symbol, b.ts, b.side, b.account, b.values);
  });
  return rows;
}

inline const Row* FindRow(const std::vector<Row>& rows, const std::string& symbol, Timestamp ts) {
  for (const Row& r : rows) {
    if (r.symbol == symbol && r.ts == ts) return &r;
  }
  return nullptr;
}

}  // namespace liqdb::testing
