// Writes the binary seeds of the codec and chunk fuzz targets: real encoder
// output for a few small, market-shaped columns, framed the way each target
// reads its input (FuzzedDataProvider takes its integers from the input's
// end, so a seed is block bytes followed by the counts). make_corpus.sh runs
// it; the output is committed under corpus/ and kept small.
//
//   liqdb_fuzz_seeds OUT_DIR      # writes OUT_DIR/<target>/seed-*
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "storage/chunk_format.h"
#include "storage/codec/bitpack.h"
#include "storage/codec/bytes.h"
#include "storage/codec/dict_codec.h"
#include "storage/codec/double_codec.h"
#include "storage/codec/side_codec.h"
#include "storage/codec/ts_codec.h"
#include "storage/gap_format.h"
#include "storage/keys.h"

#include "liqdb/types.h"

using namespace liqdb;
using namespace liqdb::storage;
namespace fs = std::filesystem;

namespace {

fs::path g_out;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(g_out / target);
  std::ofstream(g_out / target / ("seed-" + name), std::ios::binary) << bytes;
}

// Appends n as `bytes` little-endian bytes, the order in which
// FuzzedDataProvider, reading backwards, rebuilds it most significant first.
void PutCount(std::string* s, uint64_t n, int bytes) {
  for (int i = 0; i < bytes; ++i) s->push_back(static_cast<char>(n >> (8 * i)));
}

// A decode-mode seed: block, then n (count_bytes wide), then the mode byte 1.
std::string DecodeSeed(std::string block, size_t n, int count_bytes) {
  PutCount(&block, n, count_bytes);
  block.push_back(1);
  return block;
}

Columns Liquidations(size_t n, bool product) {
  Columns c(Kind::kLiquidations);
  int64_t t = 1718000000000000;
  for (size_t i = 0; i < n; ++i) {
    t += 1000 * static_cast<int64_t>(1 + (i * 7919) % 900);  // ms multiples, irregular
    const double price = 67000.0 + static_cast<double>((i * 37) % 400) / 10.0;
    const double qty = static_cast<double>(1 + (i * 13) % 50) / 1000.0;
    c.AddLiquidation(t, (i / 5) % 2 ? Side::kShort : Side::kLong, price, qty,
                     product ? price * qty : price * qty + 0.01);
  }
  return c;
}

// Rows dense enough in time and price for the chunk to carry a price
// rollup (part 0x03): n rows within an hour on four price levels.
Columns DenseLiquidations(size_t n) {
  Columns c(Kind::kLiquidations);
  for (size_t i = 0; i < n; ++i) {
    const double price = 67000.0 + 10.0 * static_cast<double>(i % 4);
    const double qty = static_cast<double>(1 + (i * 13) % 50) / 1000.0;
    c.AddLiquidation(1718002800000000 + 1000000 * static_cast<int64_t>(i), i % 3 ? Side::kLong : Side::kShort,
                     price, qty, price * qty);
  }
  return c;
}

Columns Positions(size_t n) {
  Columns c(Kind::kPositions);
  const char* accounts[] = {"0x5b5d51203a0f9079f8aeb098a6523a13f298c060",
                            "0x0e4b1c3a2d9f8e7c6b5a49382716f5e4d3c2b1a0", "acct-3"};
  for (size_t i = 0; i < n; ++i) {
    const int64_t t = 1718000004567000 + 60000000 * static_cast<int64_t>(i / 3);
    std::optional<double> lev, liq;
    if (i % 2 == 0) lev = 10.0 + static_cast<double>(i % 4);
    if (i % 3 != 0) liq = 60000.5 + static_cast<double>(i);
    c.AddPosition(t, accounts[i % 3], i % 4 == 1 ? Side::kShort : Side::kLong,
                  i % 7 == 6 ? 0.0 : 0.5 * static_cast<double>(1 + i % 5),
                  66000.0 + static_cast<double>(i) * 0.1, lev, liq);
  }
  return c;
}

Columns Market(size_t n) {
  Columns c(Kind::kMarket);
  for (size_t i = 0; i < n; ++i) {
    c.AddMarket(1718000000000000 + 1000000 * static_cast<int64_t>(i),
                67018.9 + static_cast<double>(i % 9) * 0.1, 81234.567 + static_cast<double>(i) * 0.001);
  }
  return c;
}

// chunk_fuzz framing: kind byte, flags, then [id][len u16][payload without checksum].
std::string ChunkSeed(const Columns& rows) {
  EncodedChunk chunk = EncodeChunk(rows, 1, 1, true);
  std::string s;
  s.push_back(static_cast<char>(static_cast<uint8_t>(rows.kind) - 1));
  s.push_back(0);
  for (const auto& [part, value] : chunk.parts) {
    const size_t len = value.size() - 8;
    s.push_back(static_cast<char>(part));
    PutCount(&s, len, 2);
    s.append(value, 0, len);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  g_out = argv[1];

  const Columns liq = Liquidations(40, true);
  const Columns pos = Positions(24);
  const Columns mkt = Market(30);

  // Chunks of each kind, and a liquidations chunk whose notional is stored.
  Write("chunk", "liquidations", ChunkSeed(liq));
  Write("chunk", "liquidations-notional", ChunkSeed(Liquidations(25, false)));
  Write("chunk", "liquidations-price-rollup", ChunkSeed(DenseLiquidations(256)));
  Write("chunk", "positions", ChunkSeed(pos));
  Write("chunk", "market", ChunkSeed(mkt));

  // Timestamps: irregular ms, evenly spaced s, a single value.
  for (const auto& [name, c] : {std::pair{"liq", &liq}, std::pair{"mkt", &mkt}}) {
    std::string b;
    ByteWriter w(&b);
    EncodeTimestamps(c->ts.data(), c->ts.size(), &w);
    Write("ts_codec", name, DecodeSeed(b, c->ts.size(), 2));
  }
  {
    std::string b;
    ByteWriter w(&b);
    const int64_t one = -5;
    EncodeTimestamps(&one, 1, &w);
    Write("ts_codec", "one", DecodeSeed(b, 1, 2));
    // Bursts with a quiet minute every 50 rows: the patched delta mode.
    std::vector<int64_t> bursty(200);
    int64_t t = 1'709'251'200'000'000;
    for (size_t i = 0; i < bursty.size(); ++i) bursty[i] = t += i % 50 == 49 ? 60'000'000 : (i * 37) % 1000;
    std::string p;
    ByteWriter pw(&p);
    EncodeTimestamps(bursty.data(), bursty.size(), &pw);
    Write("ts_codec", "patched", DecodeSeed(p, bursty.size(), 2));
    Write("ts_codec", "encode", std::string("\x10\x20\x30\x40\x50\x60\x70\x80\x01\x02\x03\x00\x00", 13));
  }

  // Doubles: decimal prices, quantities, computed notionals (Chimp), NULL-like NaN and -0.0.
  {
    std::vector<std::vector<double>> cols = {liq.values[liq_col::kPrice], liq.values[liq_col::kQty],
                                             liq.values[liq_col::kNotional],
                                             mkt.values[mkt_col::kOpenInterest]};
    std::vector<double> odd = {std::nan(""), -0.0, 1e-310, INFINITY, 3.25, 3.25, 1.0 / 3.0};
    cols.push_back(odd);
    // Patched frames: lots with a block trade every 50 rows (FOR), and a
    // walk that jumps every 50 rows (delta).
    std::vector<double> lots(200), jumps(200);
    int64_t ticks = 600000;
    for (size_t i = 0; i < lots.size(); ++i) {
      lots[i] = i % 50 == 49 ? 5000.0 : static_cast<double>(1 + (i * 13) % 1000) / 1000.0;
      ticks += i % 50 == 49 ? 30000 : static_cast<int64_t>((i * 7) % 41) - 20;
      jumps[i] = static_cast<double>(ticks) / 10.0;
    }
    cols.push_back(lots);
    cols.push_back(jumps);
    for (size_t i = 0; i < cols.size(); ++i) {
      std::string b;
      ByteWriter w(&b);
      EncodeDoubles(cols[i].data(), cols[i].size(), &w);
      Write("double_codec", "col" + std::to_string(i), DecodeSeed(b, cols[i].size(), 2));
    }
    Write("double_codec", "encode", std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x00\x00", 13));
  }

  // Sides: runs (a cascade) and an alternating bitmap.
  {
    std::vector<uint8_t> runs(liq.side);
    std::vector<uint8_t> alt(100);
    for (size_t i = 0; i < alt.size(); ++i) alt[i] = i % 2;
    for (const auto& [name, s] : {std::pair{"runs", &runs}, std::pair{"bitmap", &alt}}) {
      std::string b;
      ByteWriter w(&b);
      EncodeSides(s->data(), s->size(), &w);
      Write("side_codec", name, DecodeSeed(b, s->size(), 3));
    }
    Write("side_codec", "encode", std::string("\x05\x80\x01\x30\x00", 5));
  }

  // Dictionary ids: the positions chunk's accounts.
  {
    std::string b;
    ByteWriter w(&b);
    EncodeDictIds(pos.account.data(), pos.account.size(), pos.account_dict, &w);
    Write("dict_codec", "accounts", DecodeSeed(b, pos.account.size(), 2));
    Write("dict_codec", "encode", std::string("abc\x00xyz\x01\x02\x03\x04\x00", 12));
  }

  // Bit-packing: plain blocks of several widths, and a frame.
  {
    std::vector<uint64_t> v(37);
    for (size_t i = 0; i < v.size(); ++i) v[i] = (i * 2654435761u) & 0x1fff;
    for (int width : {1, 13, 33, 64}) {
      std::string b;
      ByteWriter w(&b);
      BitPack(v.data(), v.size(), width, &w);
      PutCount(&b, v.size(), 2);
      b.push_back(static_cast<char>(width + 2));
      b.push_back(0);
      Write("bitpack", "w" + std::to_string(width), b);
    }
    std::vector<uint64_t> prices(liq.ts.begin(), liq.ts.end());
    const Frame f = ChooseFrame(prices.data(), prices.size());
    std::string b;
    ByteWriter w(&b);
    PutFrame(f, &w);
    FramePack(f, prices.data(), prices.size(), &w);
    PutCount(&b, prices.size(), 2);
    b.push_back(static_cast<char>(f.width + 2));
    b.push_back(1);
    Write("bitpack", "frame", b);
  }

  // Gap records (gap_fuzz.cc): flags, key length, key, value. As stored
  // (flags 0), and without their checksum for the target to seal (flags 1).
  {
    const Gap gaps[] = {
        {"binance", "liquidations", 1709251200000000, 1709251290000000, "disconnected: EOF"},
        {"bybit", "liquidations-linear", -5, 7, ""},
        {"okx", "market", 1718000000000000, 1718000000000001,
         "closed by the server (1000) (open when last stored) \xc3\xa9"},
    };
    int n = 0;
    for (const Gap& g : gaps) {
      const std::string key = GapKey(g.from, g.venue, g.feed);
      const std::string value = EncodeGapValue(key, g);
      for (int seal = 0; seal < 2; ++seal) {
        std::string b(1, static_cast<char>(seal));
        b.push_back(static_cast<char>(key.size()));
        b += key;
        b += seal ? value.substr(0, value.size() - 8) : value;
        Write("gap", std::to_string(n) + (seal ? "-unsealed" : ""), b);
      }
      ++n;
    }
  }
  return 0;
}
