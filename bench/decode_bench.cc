// Benchmark for issue 8 (decode at memory speed): values per second of every
// column codec's decoder, on synthetic columns of one chunk (65,536 rows) and
// on the columns of real chunks built from `liqdb gen` liquidations and
// positions, decoded through the chunk format (DecodeColumnPart, checksum
// included), one column at a time and whole chunks.
//
//   build/bench/decode_bench [--events N] [--min-ms T]
//
// Each figure is the best of repeated decodes of the same bytes over at least
// T ms (default 200): the bytes stay in cache, as a column block does while a
// scan works on it. "values/s" counts decoded values (rows), one core.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "storage/chunk_format.h"
#include "storage/codec/bitpack.h"
#include "storage/codec/dict_codec.h"
#include "storage/codec/double_codec.h"
#include "storage/codec/side_codec.h"
#include "storage/codec/ts_codec.h"
#include "storage/keys.h"
#include "tools/gen/generator.h"

#include "liqdb/types.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace liqdb;
using namespace liqdb::storage;

constexpr size_t kRows = 65536;
double g_min_ms = 200;

void Check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "bench failed: %s\n", what.c_str());
    std::exit(1);
  }
}

// Best time of one call of fn, repeated for at least g_min_ms.
double BestSeconds(const std::function<void()>& fn) {
  double best = 1e30, total = 0;
  int reps = 0;
  while (total * 1000 < g_min_ms || reps < 5) {
    const auto t0 = Clock::now();
    fn();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::min(best, s);
    total += s;
    ++reps;
  }
  return best;
}

void Report(const std::string& name, size_t values, size_t bytes, double seconds) {
  std::printf("  %-44s %8.0f M values/s  %5.2f B/value\n", name.c_str(), values / seconds / 1e6,
              static_cast<double>(bytes) / static_cast<double>(values));
}

void BenchBitpack(std::mt19937_64& rng) {
  std::printf("bit-unpacking (BitUnpack, %zu values into uint64):\n", kRows);
  std::vector<uint64_t> v(kRows), out(kRows);
  for (int w : {1, 3, 7, 8, 12, 16, 17, 24, 32, 40, 52, 64}) {
    const uint64_t mask = w == 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
    for (auto& x : v) x = rng() & mask;
    std::string buf;
    ByteWriter wr(&buf);
    BitPack(v.data(), kRows, w, &wr);
    const double s = BestSeconds([&] {
      ByteReader r(buf);
      Check(BitUnpack(&r, kRows, w, out.data()).ok(), "unpack");
    });
    Check(out == v, "bitpack round trip");
    Report("width " + std::to_string(w), kRows, buf.size(), s);
  }
}

void BenchDoubles(const std::string& name, const std::vector<double>& v) {
  std::string buf;
  ByteWriter wr(&buf);
  EncodeDoubles(v.data(), v.size(), &wr);
  std::vector<double> out(v.size());
  const double s = BestSeconds([&] {
    ByteReader r(buf);
    Check(DecodeDoubles(&r, v.size(), out.data()).ok(), "decode doubles");
  });
  Check(std::memcmp(out.data(), v.data(), v.size() * 8) == 0, "double round trip " + name);
  Report(name + " (mode " + std::to_string(static_cast<int>(buf[0])) + ")", v.size(), buf.size(), s);
}

void BenchSynthetic(std::mt19937_64& rng) {
  std::printf("codecs on synthetic %zu-row columns:\n", kRows);
  {
    std::vector<int64_t> ts(kRows), out(kRows);
    int64_t t = 1709251200LL * 1000000;
    std::exponential_distribution<double> gap(1.0 / 40000);  // ~40 ms apart, in µs
    for (auto& x : ts) x = (t += 1000 * static_cast<int64_t>(gap(rng) / 1000 + 1));
    std::string buf;
    ByteWriter wr(&buf);
    EncodeTimestamps(ts.data(), kRows, &wr);
    const double s = BestSeconds([&] {
      ByteReader r(buf);
      Check(DecodeTimestamps(&r, kRows, out.data()).ok(), "decode ts");
    });
    Check(out == ts, "ts round trip");
    Report("ts: irregular, ms granular", kRows, buf.size(), s);
  }
  std::normal_distribution<double> step(0, 2);
  std::vector<double> walk(kRows), uniform(kRows), qty(kRows), notional(kRows), smooth(kRows),
      with_nan(kRows);
  double p = 65000;
  for (size_t i = 0; i < kRows; ++i) {
    p = std::max(1.0, p + step(rng));
    walk[i] = std::round(p * 10) / 10;
    uniform[i] = std::round((60000 + static_cast<double>(rng() % 10000000) / 1000) * 10) / 10;
    qty[i] = static_cast<double>(1 + rng() % 20000) / 1000;
    notional[i] = walk[i] * qty[i];
    smooth[i] = std::sin(static_cast<double>(i) * 1e-3) * 1000 + 5000;
    with_nan[i] = rng() % 20 == 0 ? std::nan("") : walk[i];
  }
  BenchDoubles("price: random walk, 0.1 tick", walk);
  BenchDoubles("price: uniform 60000-70000, 0.1 tick", uniform);
  BenchDoubles("qty: 0.001 lot", qty);
  BenchDoubles("notional: price x qty", notional);
  BenchDoubles("price with 5 % NaN", with_nan);
  BenchDoubles("smooth non-decimal (XOR)", smooth);
  {
    std::vector<uint8_t> sides(kRows), out(kRows);
    for (auto& x : sides) x = rng() & 1;
    std::string buf;
    ByteWriter wr(&buf);
    EncodeSides(sides.data(), kRows, &wr);
    const double s = BestSeconds([&] {
      ByteReader r(buf);
      Check(DecodeSides(&r, kRows, out.data()).ok(), "decode sides");
    });
    Check(out == sides, "side round trip");
    Report("side: random bitmap", kRows, buf.size(), s);
  }
  {
    std::vector<std::string> dict;
    for (int i = 0; i < 5000; ++i) dict.push_back("acct" + std::to_string(i));
    std::vector<uint32_t> ids(kRows), out;
    for (auto& x : ids) x = static_cast<uint32_t>(rng() % dict.size());
    std::string buf;
    ByteWriter wr(&buf);
    EncodeDictIds(ids.data(), kRows, dict, &wr);
    std::vector<std::string> out_dict;
    const double s = BestSeconds([&] {
      ByteReader r(buf);
      Check(DecodeDictIds(&r, kRows, &out, &out_dict).ok(), "decode dict");
    });
    Check(out == ids, "dict round trip");
    Report("dict: 5000 accounts (strings + ids)", kRows, buf.size(), s);
  }
}

// Rows of the generator's largest series of `kind`, cut in chunks of kRows.
std::vector<Columns> RealChunks(Kind kind, uint64_t events, std::string* series) {
  gen::GenOptions go;
  go.seed = 42;
  go.liquidations = kind == Kind::kLiquidations ? events : 0;
  go.positions = kind == Kind::kPositions ? events : 0;
  go.market_interval = 3600 * kMicrosPerSecond;
  auto g = gen::Generator::Create(go);
  Check(g.ok(), "generator");
  std::map<SeriesKey, Columns> all;
  while ((*g)->NextWindow()) {
    for (auto& b : (*g)->TakeBatches(kind)) {
      auto [it, fresh] = all.try_emplace(b.key, Columns(kind));
      for (size_t i = 0; i < b.rows.size(); ++i) it->second.AppendRow(b.rows, i);
    }
    for (Kind k : {Kind::kLiquidations, Kind::kPositions, Kind::kMarket}) {
      if (k != kind) (*g)->Discard(k);
    }
  }
  const Columns* big = nullptr;
  for (const auto& [key, rows] : all) {
    if (!big || rows.size() > big->size()) {
      big = &rows;
      *series = key.exchange + "/" + key.symbol;
    }
  }
  Check(big != nullptr, "no rows generated");
  std::vector<Columns> chunks;
  for (size_t at = 0; at + kRows <= big->size(); at += kRows) {
    Columns c(kind);
    for (size_t i = at; i < at + kRows; ++i) c.AppendRow(*big, i);
    chunks.push_back(std::move(c));
  }
  if (chunks.empty()) chunks.push_back(*big);
  return chunks;
}

const char* ColumnName(Kind kind, int c) {
  if (c == kColumnTs) return "ts";
  if (c == kColumnSide) return "side";
  if (c == kColumnAccount) return "account";
  return SchemaOf(kind).value_names[c - kColumnValue0];
}

void BenchReal(Kind kind, uint64_t events) {
  std::string series;
  std::vector<Columns> chunks = RealChunks(kind, events, &series);
  size_t rows = 0;
  for (const Columns& c : chunks) rows += c.size();
  std::printf("real chunks: %s %s from liqdb gen, %zu chunks, %zu rows (DecodeColumnPart):\n", KindName(kind),
              series.c_str(), chunks.size(), rows);
  std::vector<EncodedChunk> enc;
  for (size_t i = 0; i < chunks.size(); ++i) enc.push_back(EncodeChunk(chunks[i], 1, i + 1, true));
  const KindSchema& schema = SchemaOf(kind);
  Columns out(kind);
  auto decode = [&](const EncodedChunk& e, int column) {
    for (const auto& [part, value] : e.parts) {
      if (part != kPartColumn + column) continue;
      Check(DecodeColumnPart(kind, column, value, e.meta.rows, &out).ok(), "decode column part");
      return value.size();
    }
    return size_t{0};
  };
  double all_seconds = 0;
  size_t all_bytes = 0;
  for (int c = 0; c < ColumnCount(kind); ++c) {
    if ((c == kColumnSide && !schema.has_side) || (c == kColumnAccount && !schema.has_account)) continue;
    size_t bytes = 0;
    for (const EncodedChunk& e : enc) bytes += decode(e, c);
    if (bytes == 0) continue;
    const double s = BestSeconds([&] {
      for (const EncodedChunk& e : enc) {
        // A product-coded notional needs price and qty first; they are decoded
        // before it in column order, so the state in `out` is right.
        decode(e, c);
      }
    });
    // Product-coded columns reuse other columns, so time them with those.
    all_seconds += s;
    all_bytes += bytes;
    Report(std::string("column ") + ColumnName(kind, c), rows, bytes, s);
  }
  const double whole = BestSeconds([&] {
    for (const EncodedChunk& e : enc) {
      for (int c = 0; c < ColumnCount(kind); ++c) {
        if ((c == kColumnSide && !schema.has_side) || (c == kColumnAccount && !schema.has_account)) continue;
        decode(e, c);
      }
    }
  });
  std::printf("  %-44s %8.0f M rows/s   (%.0f M values/s over %d columns)\n", "whole chunks, every column",
              rows / whole / 1e6, rows * (ColumnCount(kind) - (schema.has_account ? 0 : 1)) / whole / 1e6,
              ColumnCount(kind) - (schema.has_account ? 0 : 1));
  (void)all_seconds;
  (void)all_bytes;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t events = 2'000'000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--events") && i + 1 < argc) {
      events = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--min-ms") && i + 1 < argc) {
      g_min_ms = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--events N] [--min-ms T]\n", argv[0]);
      return 2;
    }
  }
  std::mt19937_64 rng(42);
  BenchBitpack(rng);
  BenchSynthetic(rng);
  BenchReal(Kind::kLiquidations, events);
  BenchReal(Kind::kPositions, events / 2);
  return 0;
}
