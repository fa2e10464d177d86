// Ingest throughput: liqdb's adapters and Ingester against the plain
// alternative (Python's csv/json modules inserting into an ordinary SQLite
// table in one transaction), on the same generated files, in one run.
//
//   build/bench/ingest_bench [--lines N] [--dir DIR] [--no-python]
//
// Prints lines per CPU-second (process CPU time) for: parse only (reader + adapter), full ingest
// into a Store, and the Python baseline; then the ratios. Inputs: a Tardis
// `liquidations` .csv.gz and Binance forceOrder JSON lines.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>

#include "liqdb/ingest.h"
#include "liqdb/store.h"

using namespace liqdb;

namespace {

// CPU seconds of the whole process (RocksDB's background threads included):
// on a shared, loaded machine wall time says more about the neighbours.
double Now() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Deterministic pseudo-random numbers (xorshift), so runs compare.
struct Rng {
  uint64_t s = 0x9E3779B97F4A7C15ull;
  uint64_t Next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

const char* kSymbols[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "1000PEPEUSDT"};

void WriteTardisGz(const std::string& path, uint64_t lines) {
  namespace io = boost::iostreams;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  io::filtering_ostream out;
  out.push(io::gzip_compressor(io::gzip_params(6)), 1 << 20);
  out.push(file, 1 << 20);
  out << "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n";
  Rng r;
  int64_t ts = 1718000000000000;
  std::string line;
  for (uint64_t i = 0; i < lines; ++i) {
    ts += static_cast<int64_t>(r.Next() % 20000);
    const char* sym = kSymbols[r.Next() % 6];
    line = fmt::format("{},{},{},{},,{},{}.{},{}.{:03}\n", (i % 3 == 0) ? "bybit" : "binance-futures", sym,
                       ts, ts + 70000, (r.Next() & 1) ? "sell" : "buy", 60000 + r.Next() % 10000,
                       r.Next() % 10, r.Next() % 20, r.Next() % 1000);
    out << line;
  }
}

void WriteForceOrderJson(const std::string& path, uint64_t lines) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  Rng r;
  int64_t ms = 1718000000000;
  for (uint64_t i = 0; i < lines; ++i) {
    ms += static_cast<int64_t>(r.Next() % 20);
    const char* sym = kSymbols[r.Next() % 6];
    const uint64_t q = r.Next() % 5000;
    std::string o = fmt::format(
        R"({{"e":"forceOrder","E":{},"o":{{"s":"{}","S":"{}","o":"LIMIT","f":"IOC","q":"{}.{:03}","p":"{}.{}","ap":"{}.{}","X":"FILLED","l":"{}.{:03}","z":"{}.{:03}","T":{}}}}})",
        ms + 3, sym, (r.Next() & 1) ? "SELL" : "BUY", q / 1000, q % 1000, 60000 + r.Next() % 10000,
        r.Next() % 10, 60000 + r.Next() % 10000, r.Next() % 10, q / 1000, q % 1000, q / 1000, q % 1000, ms);
    if (i % 4 == 0) o = R"({"stream":"!forceOrder@arr","data":)" + o + "}";
    out << o << '\n';
  }
}

// Reader + adapter only: what parsing costs.
double ParseOnly(Format format, const std::string& path, uint64_t* rows) {
  IngestOptions o;
  auto adapter = MakeAdapter(format, o);
  auto reader = LineReader::Open(path);
  if (!adapter.ok() || !reader.ok()) std::abort();
  (void)(*adapter)->BeginFile(path);
  RowBuffer buf;
  LineStats st;
  std::string_view line;
  const double t0 = Now();
  uint64_t n = 0;
  while (*(*reader)->Next(&line) == LineReader::Read::kLine) {
    ++n;
    if (!(*adapter)->ParseLine(line, &buf, &st).ok() && n > 1) std::abort();
    if (buf.rows() >= (1u << 18)) {
      *rows += buf.rows();
      buf.Clear();
    }
  }
  *rows += buf.rows();
  const double dt = Now() - t0;
  return static_cast<double>(n) / dt;
}

// The whole path into a fresh Store.
double FullIngest(Format format, const std::string& path, const std::string& store_dir, IngestSummary* sum) {
  std::filesystem::remove_all(store_dir);
  StoreOptions so;
  so.sync = false;
  so.mode = StoreOptions::Mode::kReadWrite;
  auto store = Store::Open(store_dir, so);
  if (!store.ok()) {
    fmt::print(stderr, "store: {}\n", store.status().ToString());
    std::exit(1);
  }
  IngestOptions o;
  o.format = format;
  Ingester ing(store->get(), o);
  const double t0 = Now();
  if (!ing.IngestPath(path).ok() || !ing.Finish().ok()) std::abort();
  const double dt = Now() - t0;
  *sum = ing.summary();
  return static_cast<double>(sum->lines) / dt;
}

// Python's csv/json modules into an ordinary SQLite table, one transaction.
double PythonBaseline(bool json, const std::string& path, const std::string& db, uint64_t lines) {
  std::filesystem::remove(db);
  // Python times itself with time.process_time(): CPU seconds, as above.
  const std::string script = json ? R"PY(
import json, sqlite3, sys, time
con = sqlite3.connect(sys.argv[2])
con.execute("CREATE TABLE liq(ts INTEGER, exchange TEXT, symbol TEXT, side TEXT, price REAL, qty REAL, notional REAL)")
t0 = time.process_time()
rows = []
with open(sys.argv[1]) as f:
    for line in f:
        m = json.loads(line)
        m = m.get("data", m)
        o = m["o"]
        p, q = float(o["ap"]), float(o["z"])
        rows.append((o["T"] * 1000, "binance", o["s"], "long" if o["S"] == "SELL" else "short", p, q, p * q))
with con:
    con.executemany("INSERT INTO liq VALUES (?,?,?,?,?,?,?)", rows)
print(time.process_time() - t0)
)PY"
                                  : R"PY(
import csv, gzip, sqlite3, sys, time
con = sqlite3.connect(sys.argv[2])
con.execute("CREATE TABLE liq(ts INTEGER, exchange TEXT, symbol TEXT, side TEXT, price REAL, qty REAL, notional REAL)")
t0 = time.process_time()
rows = []
with gzip.open(sys.argv[1], "rt", newline="") as f:
    r = csv.reader(f)
    next(r)
    for ex, sym, ts, lts, id_, side, price, amount in r:
        p, q = float(price), float(amount)
        rows.append((int(ts), ex, sym, "long" if side == "sell" else "short", p, q, p * q))
with con:
    con.executemany("INSERT INTO liq VALUES (?,?,?,?,?,?,?)", rows)
print(time.process_time() - t0)
)PY";
  const std::string py = db + ".py";
  std::ofstream(py) << script;
  const std::string cmd = "/usr/bin/python3 " + py + " " + path + " " + db;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return 0;
  double secs = 0;
  if (std::fscanf(p, "%lf", &secs) != 1) secs = 0;
  ::pclose(p);
  return secs > 0 ? static_cast<double>(lines) / secs : 0;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t lines = 2'000'000;
  uint64_t py_lines = 300'000;
  std::string dir = "/tmp/liqdb-ingest-bench";
  bool python = true;
  bool reuse = false;       // keep the inputs of an earlier run
  bool parse_only = false;  // for profiling the parsers
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--lines" && i + 1 < argc)
      lines = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else if (a == "--no-python")
      python = false;
    else if (a == "--reuse")
      reuse = true;
    else if (a == "--parse-only")
      parse_only = true;
  }
  KeepFreedMemoryForReuse();  // as `liqdb ingest` does
  std::filesystem::create_directories(dir);
  const std::string csv = dir + "/tardis-liquidations.csv.gz", json = dir + "/forceorder.jsonl";
  if (!reuse || !std::filesystem::exists(csv) || !std::filesystem::exists(json)) {
    fmt::print("generating {} lines of each input in {} ...\n", lines, dir);
    WriteTardisGz(csv, lines);
    WriteForceOrderJson(json, lines);
  }

  uint64_t rows = 0;
  const double csv_parse = ParseOnly(Format::kTardisLiquidations, csv, &rows);
  const double json_parse = ParseOnly(Format::kBinanceForceOrder, json, &rows);
  if (parse_only) {
    fmt::print("parse lines/s: csv.gz {:.0f}  json {:.0f}\n", csv_parse, json_parse);
    return 0;
  }
  IngestSummary s1, s2;
  const double csv_full = FullIngest(Format::kTardisLiquidations, csv, dir + "/store-csv", &s1);
  const double json_full = FullIngest(Format::kBinanceForceOrder, json, dir + "/store-json", &s2);

  fmt::print("\n{:<44} {:>14}\n", "path", "lines/CPU-s");
  fmt::print("{:<44} {:>14.0f}\n", "tardis .csv.gz: liqdb parse (reader+adapter)", csv_parse);
  fmt::print("{:<44} {:>14.0f}   (stored {})\n", "tardis .csv.gz: liqdb ingest into a Store", csv_full,
             s1.stored);
  fmt::print("{:<44} {:>14.0f}\n", "forceOrder JSON: liqdb parse", json_parse);
  fmt::print("{:<44} {:>14.0f}   (stored {})\n", "forceOrder JSON: liqdb ingest into a Store", json_full,
             s2.stored);
  if (python) {
    // The baseline reads the first py_lines lines only: Python is slow.
    const std::string csv_small = dir + "/small.csv.gz", json_small = dir + "/small.jsonl";
    WriteTardisGz(csv_small, py_lines);
    WriteForceOrderJson(json_small, py_lines);
    const double py_csv = PythonBaseline(false, csv_small, dir + "/py-csv.sqlite", py_lines);
    const double py_json = PythonBaseline(true, json_small, dir + "/py-json.sqlite", py_lines);
    fmt::print("{:<44} {:>14.0f}\n", "tardis .csv.gz: python csv -> sqlite", py_csv);
    fmt::print("{:<44} {:>14.0f}\n", "forceOrder JSON: python json -> sqlite", py_json);
    if (py_csv > 0 && py_json > 0) {
      fmt::print("\nratios (liqdb ingest / python):  csv.gz {:.1f}x   json {:.1f}x\n", csv_full / py_csv,
                 json_full / py_json);
    }
  }
  return 0;
}
