// Double column codec: decimal-scaled integers with exceptions, Chimp XOR
// fallback, raw floor (see double_codec.h, docs/codecs.md).
#include "storage/codec/double_codec.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "storage/codec/bitpack.h"
#include "storage/codec/patched_frame.h"

#include "liqdb/cpu_dispatch.h"

namespace liqdb::storage {

namespace {

// Mode byte values. Stored on disk: never renumber.
constexpr uint8_t kDblConstant = 1;             // the one bit pattern, 8 bytes
constexpr uint8_t kDblDecimalFor = 2;           // scale, frame, packed k, exceptions
constexpr uint8_t kDblDecimalDelta = 3;         // scale, first k, frame, packed deltas of k, exceptions
constexpr uint8_t kDblXor = 4;                  // byte length, Chimp XOR bit stream
constexpr uint8_t kDblRaw = 5;                  // n x 8 bytes
constexpr uint8_t kDblDecimalForPatched = 6;    // as 2, over a patched frame
constexpr uint8_t kDblDecimalDeltaPatched = 7;  // as 3, over a patched frame

constexpr int kMaxScale = 9;
constexpr double kPow10[kMaxScale + 1] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
// |k| must stay below 2^53 so that double(k) is exact.
constexpr double kTwo53 = 9007199254740992.0;
constexpr int64_t kMaxK = int64_t{1} << 53;

// Values are unpacked through a buffer of this many (a multiple of 8, so
// every block but the last is byte aligned).
constexpr size_t kBlock = 1024;

// Rows of a large column that the scale search looks at.
constexpr size_t kScaleSample = 1024;

inline uint64_t Bits(double d) {
  return std::bit_cast<uint64_t>(d);
}

// The one expression the decoder uses to turn k back into a double.
inline double FromDecimal(int64_t k, int scale) {
  return static_cast<double>(k) / kPow10[scale];
}

// The k nearest to v * 10^s, when it is below 2^53 in magnitude.
inline bool NearestDecimal(double v, int scale, int64_t* k) {
  const double x = v * kPow10[scale];
  if (!(std::fabs(x) < kTwo53)) return false;
  // llround (halves away from zero) without the libm call: for |x| < 2^53
  // the truncation t is exact, and so is x - t, so the halves compare exactly.
  const int64_t t = static_cast<int64_t>(x);
  const double frac = x - static_cast<double>(t);
  const int64_t r = t + (frac >= 0.5 ? 1 : 0) - (frac <= -0.5 ? 1 : 0);
  if (r >= kMaxK || r <= -kMaxK) return false;
  *k = r;
  return true;
}

// True when v is exactly FromDecimal(*k, scale) for some |k| < 2^53. Fails
// for NaN, infinities and -0.0 (0 / 10^s is +0.0).
inline bool ToDecimal(double v, int scale, int64_t* k) {
  int64_t r;
  if (!NearestDecimal(v, scale, &r) || Bits(FromDecimal(r, scale)) != Bits(v)) return false;
  *k = r;
  return true;
}

Status Truncated() {
  return Status::Corruption("double codec: truncated block");
}

// ---- Decimal decode kernel ----------------------------------------------
//
// FromDecimal over a block: out[j] = double(int64(k[j])) / 10^s. Generic
// x86-64 (SSE2) has no packed int64 -> double conversion, so the compiler
// would convert one value at a time. For |k| < 2^51 the conversion is exact
// with two packed operations instead: k + bits(2^52 + 2^51), read as a
// double, is exactly 2^52 + 2^51 + k (a double in [2^52, 2^53) has an ulp of
// 1), and subtracting 2^52 + 2^51 leaves exactly k. The division is the same
// IEEE division as FromDecimal, packed, so every bit is as FromDecimal gives
// it. A block holding a larger |k| (up to 2^53) takes the scalar loop.
constexpr uint64_t kMagicBits = 0x4338000000000000;  // bits of 2^52 + 2^51
constexpr double kMagic = 6755399441055744.0;        // 2^52 + 2^51
constexpr uint64_t kTwo51 = uint64_t{1} << 51;

// True when every k[0..m) (int64 bit patterns) is in [-2^51, 2^51).
inline bool SmallIntegers(const uint64_t* k, size_t m) {
  uint64_t any_big = 0;
  for (size_t j = 0; j < m; ++j) any_big |= (k[j] + kTwo51) >> 52;
  return any_big == 0;
}

// The packed division is the bound: the AVX-512 clone divides eight values at
// a time, the AVX2 one four, the generic x86-64 build two (the loader picks
// one; all give the same bits, IEEE division being exact-rounded).
LIQDB_SIMD_CLONES void DecimalsToDoubles(const uint64_t* k, size_t m, int scale, double* out) {
  if (!SmallIntegers(k, m)) {
    for (size_t j = 0; j < m; ++j) out[j] = FromDecimal(static_cast<int64_t>(k[j]), scale);
    return;
  }
  if (scale == 0) {  // x / 1 is x: no division
    for (size_t j = 0; j < m; ++j) out[j] = std::bit_cast<double>(k[j] + kMagicBits) - kMagic;
    return;
  }
  const double p = kPow10[scale];
  for (size_t j = 0; j < m; ++j) out[j] = (std::bit_cast<double>(k[j] + kMagicBits) - kMagic) / p;
}

// True when every value of frame f, min + x * divisor for x < 2^width, is in
// [-2^51, 2^51) (then no value wraps modulo 2^64 either).
bool SmallFrame(const Frame& f) {
  if (f.width > 52) return false;
  const __int128 lo = static_cast<int64_t>(f.min);
  const __int128 hi = lo + static_cast<__int128>((uint64_t{1} << f.width) - 1) * f.divisor;
  return lo >= -static_cast<__int128>(kTwo51) && hi < static_cast<__int128>(kTwo51);
}

// FrameUnpack and DecimalsToDoubles in one pass, in doubles, for a frame
// SmallFrame accepts: x < 2^52 converts exactly (x | bits(2^52), less 2^52),
// and x * divisor and + min are integers below 2^52 in magnitude, which
// double arithmetic gives exactly; then the same division.
LIQDB_SIMD_CLONES void SmallFrameToDoubles(const uint64_t* x, size_t m, const Frame& f, int scale,
                                           double* out) {
  constexpr uint64_t kTwo52Bits = 0x4330000000000000;  // bits of 2^52
  constexpr double kTwo52 = 4503599627370496.0;
  const double min = static_cast<double>(static_cast<int64_t>(f.min));
  const double divisor = static_cast<double>(f.divisor);  // < 2^52 here: exact
  const double p = kPow10[scale];
  if (scale == 0) {
    for (size_t j = 0; j < m; ++j)
      out[j] = (std::bit_cast<double>(x[j] | kTwo52Bits) - kTwo52) * divisor + min;
    return;
  }
  for (size_t j = 0; j < m; ++j) {
    out[j] = ((std::bit_cast<double>(x[j] | kTwo52Bits) - kTwo52) * divisor + min) / p;
  }
}

// ---- XOR stream (Chimp) --------------------------------------------------
//
// Chimp (Liakos et al., VLDB 2022), which measured 13-22 % smaller than
// Gorilla on our non-decimal columns. Each value is XORed with the previous
// one; a 2-bit flag then says:
//   00  XOR is zero
//   01  more than 6 trailing zeros: 3-bit leading-zero code, 6-bit length of
//       the centre bits, the centre bits
//   10  same leading-zero code as the previous 11 value: the 64 - lz low bits
//   11  3-bit leading-zero code, then the 64 - lz low bits
// Leading zeros are rounded down to kLeading[code]. Bits are laid least
// significant first, like BitPack.

constexpr int kLeading[8] = {0, 8, 12, 16, 18, 20, 22, 24};
constexpr int kChimpTrailingThreshold = 6;

// The code of the largest kLeading entry <= lz.
inline int LeadingCode(int lz) {
  int code = 0;
  while (code < 7 && kLeading[code + 1] <= lz) ++code;
  return code;
}

class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}
  // Appends the low `width` (0..64) bits of v; v has no bits above them.
  void Put(uint64_t v, int width) {
    if (width == 0) return;
    acc_ |= v << bits_;
    if (bits_ + width >= 64) {
      out_->append(reinterpret_cast<const char*>(&acc_), 8);
      const int used = 64 - bits_;
      acc_ = used < 64 ? v >> used : 0;
      bits_ = bits_ + width - 64;
    } else {
      bits_ += width;
    }
  }
  void Finish() { out_->append(reinterpret_cast<const char*>(&acc_), static_cast<size_t>(bits_ + 7) / 8); }

 private:
  std::string* out_;
  uint64_t acc_ = 0;
  int bits_ = 0;
};

class BitReader {
 public:
  BitReader(const uint8_t* data, size_t size) : data_(data), size_(size), total_bits_(size * 8) {}
  // Reads `width` (0..64) bits; false when the stream is too short.
  bool Get(int width, uint64_t* v) {
    if (width == 0) {
      *v = 0;
      return true;
    }
    if (static_cast<size_t>(width) > total_bits_ - pos_) return false;
    const size_t byte = pos_ >> 3;
    const int shift = static_cast<int>(pos_ & 7);
    uint64_t lo = Load(byte) >> shift;
    // The bits exist, so byte + 8 is inside the stream when they straddle it.
    if (shift + width > 64) lo |= static_cast<uint64_t>(data_[byte + 8]) << (64 - shift);
    *v = width == 64 ? lo : lo & ((uint64_t{1} << width) - 1);
    pos_ += static_cast<size_t>(width);
    return true;
  }
  size_t bytes_used() const { return (pos_ + 7) / 8; }

 private:
  uint64_t Load(size_t byte) const {
    uint64_t v = 0;
    std::memcpy(&v, data_ + byte, size_ - byte >= 8 ? 8 : size_ - byte);
    return v;
  }
  const uint8_t* data_;
  size_t size_;
  size_t total_bits_;
  size_t pos_ = 0;
};

void EncodeXor(const double* v, size_t n, std::string* out) {
  BitWriter w(out);
  uint64_t prev = Bits(v[0]);
  w.Put(prev, 64);
  int stored_code = -1;  // no 11 value to share the leading zeros with yet
  for (size_t i = 1; i < n; ++i) {
    const uint64_t cur = Bits(v[i]);
    const uint64_t x = cur ^ prev;
    prev = cur;
    if (x == 0) {
      w.Put(0b00, 2);
      stored_code = -1;
      continue;
    }
    const int code = LeadingCode(std::countl_zero(x));
    const int lz = kLeading[code];
    const int tz = std::countr_zero(x);
    if (tz > kChimpTrailingThreshold) {
      const int centre = 64 - lz - tz;
      w.Put(0b01, 2);
      w.Put(static_cast<uint64_t>(code), 3);
      w.Put(static_cast<uint64_t>(centre), 6);
      w.Put(x >> tz, centre);
      stored_code = -1;
    } else if (code == stored_code) {
      w.Put(0b10, 2);
      w.Put(x, 64 - lz);
    } else {
      w.Put(0b11, 2);
      w.Put(static_cast<uint64_t>(code), 3);
      w.Put(x, 64 - lz);
      stored_code = code;
    }
  }
  w.Finish();
}

Status DecodeXor(const uint8_t* data, size_t size, size_t n, double* out) {
  BitReader r(data, size);
  uint64_t prev = 0;
  if (!r.Get(64, &prev)) return Truncated();
  out[0] = std::bit_cast<double>(prev);
  int stored_code = -1;
  for (size_t i = 1; i < n; ++i) {
    uint64_t flag = 0, code = 0, x = 0;
    if (!r.Get(2, &flag)) return Truncated();
    if (flag == 0b01) {
      uint64_t centre = 0;
      if (!r.Get(3, &code) || !r.Get(6, &centre)) return Truncated();
      const int lz = kLeading[code];
      if (centre == 0 || lz + static_cast<int>(centre) > 64) {
        return Status::Corruption("double codec: XOR centre bits out of range");
      }
      if (!r.Get(static_cast<int>(centre), &x)) return Truncated();
      x <<= 64 - lz - static_cast<int>(centre);
      stored_code = -1;
    } else if (flag == 0b10) {
      if (stored_code < 0) return Status::Corruption("double codec: XOR leading zeros reused before set");
      if (!r.Get(64 - kLeading[stored_code], &x)) return Truncated();
    } else if (flag == 0b11) {
      if (!r.Get(3, &code)) return Truncated();
      stored_code = static_cast<int>(code);
      if (!r.Get(64 - kLeading[stored_code], &x)) return Truncated();
    } else {
      stored_code = -1;
    }
    prev ^= x;
    out[i] = std::bit_cast<double>(prev);
  }
  if (r.bytes_used() != size) return Status::Corruption("double codec: trailing bytes in XOR stream");
  return Status::OK();
}

// ---- Decimal path -------------------------------------------------------

// A value that is not decimal at the chosen scale. Its row still holds an
// integer k (the nearest one when that is inside the column's range, else
// the previous row's), and the exception stores the difference of bit patterns between v
// and k / 10^s. A computed notional such as 65000.1 * 0.123 lands one or two
// ulps from a short decimal, so its exception takes 2 bytes, not 9.
struct Exception {
  size_t pos;
  uint64_t diff;  // Bits(v) - Bits(FromDecimal(k, scale)), modulo 2^64
};

// Picks the scale with the fewest exceptions (the smallest such scale), or
// -1 when every scale leaves more than max_exceptions.
int ChooseScale(const double* v, size_t n, size_t max_exceptions) {
  // NaN, infinities and -0.0 are exceptions at every scale: once a scale
  // leaves only those, no larger scale can do better.
  size_t hopeless = 0;
  for (size_t i = 0; i < n; ++i) {
    hopeless += (!std::isfinite(v[i]) || (v[i] == 0 && std::signbit(v[i]))) ? 1 : 0;
  }
  int best = -1;
  size_t best_count = max_exceptions + 1;
  for (int s = 0; s <= kMaxScale && best_count > hopeless; ++s) {
    size_t count = 0;
    int64_t k;
    for (size_t i = 0; i < n && count < best_count; ++i) count += ToDecimal(v[i], s, &k) ? 0 : 1;
    if (count < best_count) {
      best = s;
      best_count = count;
    }
  }
  return best;
}

void PutExceptions(const std::vector<Exception>& exc, ByteWriter* out) {
  out->PutVarint(exc.size());
  size_t next = 0;  // the smallest position the next exception may have
  for (const Exception& e : exc) {
    out->PutVarint(e.pos - next);
    out->PutVarint(ZigZagEncode(static_cast<int64_t>(e.diff)));
    next = e.pos + 1;
  }
}

// Reads the exceptions of a block of n rows, calling apply(pos, diff) for
// each in ascending position.
template <typename Apply>
Status ReadExceptions(ByteReader* in, size_t n, Apply apply) {
  uint64_t count = 0;
  if (!in->GetVarint(&count).ok()) return Truncated();
  // Each exception takes at least 2 bytes: checked before the loop so that a
  // lying count fails fast.
  if (count > n || count > in->remaining() / 2) {
    return Status::Corruption("double codec: exception count out of range");
  }
  size_t next = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t gap = 0, zz = 0;
    if (!in->GetVarint(&gap).ok() || !in->GetVarint(&zz).ok()) return Truncated();
    if (gap >= n - next) return Status::Corruption("double codec: exception position out of range");
    const size_t pos = next + gap;
    apply(pos, static_cast<uint64_t>(ZigZagDecode(zz)));
    next = pos + 1;
  }
  return Status::OK();
}

inline double WithException(double v, uint64_t diff) {
  return std::bit_cast<double>(Bits(v) + diff);
}

Status ApplyExceptions(ByteReader* in, size_t n, double* out) {
  return ReadExceptions(in, n,
                        [out](size_t pos, uint64_t diff) { out[pos] = WithException(out[pos], diff); });
}

// ApplyExceptions for the rows[0..m) a partial decode holds in out[0..m).
Status ApplyExceptionsAt(ByteReader* in, size_t n, const uint32_t* rows, size_t m, double* out) {
  size_t k = 0;
  return ReadExceptions(in, n, [&](size_t pos, uint64_t diff) {
    while (k < m && rows[k] < pos) ++k;
    if (k < m && rows[k] == pos) out[k] = WithException(out[k], diff);
  });
}

// The frame over u[0..n) (k or its deltas) and its packed offsets, after
// the mode byte (`plain` or `patched`, whichever the frame turned out) and
// what `header` writes between them.
template <typename Header>
void PutFramed(const uint64_t* u, size_t n, uint8_t plain, uint8_t patched, Header header, ByteWriter* out) {
  const Frame f = ChooseFrame(u, n);
  std::vector<uint64_t> offsets(n);
  FrameOffsets(f, u, n, offsets.data());
  const PatchedFrame pf = ChoosePatchedFrame(f, offsets.data(), n);
  out->PutU8(pf.patches > 0 ? patched : plain);
  header();
  if (pf.patches > 0) {
    PatchedFramePack(pf, offsets.data(), n, out);
  } else {
    PutFrame(f, out);
    BitPack(offsets.data(), n, f.width, out);
  }
}

void EncodeDecimalFor(const std::vector<int64_t>& k, int scale, const std::vector<Exception>& exc,
                      ByteWriter* out) {
  const uint64_t* u = reinterpret_cast<const uint64_t*>(k.data());  // int64/uint64 may alias
  PutFramed(
      u, k.size(), kDblDecimalFor, kDblDecimalForPatched, [&] { out->PutU8(static_cast<uint8_t>(scale)); },
      out);
  PutExceptions(exc, out);
}

void EncodeDecimalDelta(const std::vector<int64_t>& k, int scale, const std::vector<Exception>& exc,
                        ByteWriter* out) {
  // |k| < 2^53, so deltas fit an int64 without overflow.
  std::vector<uint64_t> deltas(k.size() - 1);
  for (size_t i = 1; i < k.size(); ++i) deltas[i - 1] = static_cast<uint64_t>(k[i] - k[i - 1]);
  PutFramed(
      deltas.data(), deltas.size(), kDblDecimalDelta, kDblDecimalDeltaPatched,
      [&] {
        out->PutU8(static_cast<uint8_t>(scale));
        out->PutVarint(ZigZagEncode(k[0]));
      },
      out);
  PutExceptions(exc, out);
}

Status ReadScale(ByteReader* in, uint8_t* scale) {
  if (!in->GetU8(scale).ok()) return Truncated();
  if (*scale > kMaxScale) return Status::Corruption("double codec: scale " + std::to_string(*scale) + " > 9");
  return Status::OK();
}

Status DecodeDecimalFor(ByteReader* in, size_t n, double* out) {
  uint8_t scale = 0;
  Frame f;
  LIQDB_RETURN_IF_ERROR(ReadScale(in, &scale));
  LIQDB_RETURN_IF_ERROR(GetFrame(in, "double codec", &f));
  const bool small = SmallFrame(f);
  uint64_t buf[kBlock];
  for (size_t i = 0; i < n; i += kBlock) {
    const size_t m = n - i < kBlock ? n - i : kBlock;
    LIQDB_RETURN_IF_ERROR(BitUnpack(in, m, f.width, buf).WithContext("double codec"));
    if (small) {
      SmallFrameToDoubles(buf, m, f, scale, out + i);
      continue;
    }
    FrameValues(f, m, buf);
    DecimalsToDoubles(buf, m, scale, out + i);
  }
  return ApplyExceptions(in, n, out);
}

Status DecodeDecimalForPatched(ByteReader* in, size_t n, double* out) {
  uint8_t scale = 0;
  PatchedFrameReader frame;
  LIQDB_RETURN_IF_ERROR(ReadScale(in, &scale));
  LIQDB_RETURN_IF_ERROR(frame.Open(in, n, "double codec"));
  uint64_t buf[kBlock];
  for (size_t i = 0; i < n; i += kBlock) {
    const size_t m = n - i < kBlock ? n - i : kBlock;
    // SmallFrame bounds the offsets by the width, which a patch may exceed:
    // each block is checked at the width its patches need.
    Frame f = frame.frame();
    LIQDB_RETURN_IF_ERROR(frame.Next(m, buf, &f.width));
    if (SmallFrame(f)) {
      SmallFrameToDoubles(buf, m, f, scale, out + i);
      continue;
    }
    FrameValues(f, m, buf);
    DecimalsToDoubles(buf, m, scale, out + i);
  }
  LIQDB_RETURN_IF_ERROR(frame.Finish());
  return ApplyExceptions(in, n, out);
}

// Rows a partial decode produces: rows[0..m), ascending.
struct RowPick {
  const uint32_t* rows;
  size_t m;
};

// Decimal delta blocks, plain or patched frame. With `pick`, only its rows
// are produced, into out[0..m): a block of 1024 deltas without one is only
// summed, which packs, instead of running the prefix sum and the
// conversion over it.
Status DecodeDecimalDelta(ByteReader* in, size_t n, double* out, bool patched_frame,
                          const RowPick* pick = nullptr) {
  const bool all = pick == nullptr;
  const uint32_t* rows = all ? nullptr : pick->rows;
  const size_t m = all ? 0 : pick->m;
  uint8_t scale = 0;
  uint64_t zz_first = 0;
  LIQDB_RETURN_IF_ERROR(ReadScale(in, &scale));
  if (!in->GetVarint(&zz_first).ok()) return Truncated();
  uint64_t k = static_cast<uint64_t>(ZigZagDecode(zz_first));
  const size_t deltas = n > 0 ? n - 1 : 0;
  Frame f;
  PatchedFrameReader frame;
  if (patched_frame) {
    LIQDB_RETURN_IF_ERROR(frame.Open(in, deltas, "double codec"));
    f = frame.frame();
  } else {
    LIQDB_RETURN_IF_ERROR(GetFrame(in, "double codec", &f));
  }
  size_t next = 0;  // partial decode: the first row of rows not produced yet
  if (n > 0 && (all || (m > 0 && rows[0] == 0))) {
    out[0] = FromDecimal(static_cast<int64_t>(k), scale);
    next = 1;
  }
  uint64_t buf[kBlock];
  for (size_t i = 1; i < n; i += kBlock) {
    const size_t b = n - i < kBlock ? n - i : kBlock;
    int width = 0;
    LIQDB_RETURN_IF_ERROR(patched_frame ? frame.Next(b, buf, &width)
                                        : BitUnpack(in, b, f.width, buf).WithContext("double codec"));
    if (all) {
      FramePrefixSum(f, b, &k, buf);
      DecimalsToDoubles(buf, b, scale, out + i);
      continue;
    }
    if (next < m && rows[next] < i + b) {
      FramePrefixSum(f, b, &k, buf);
      for (; next < m && rows[next] < i + b; ++next) {
        out[next] = FromDecimal(static_cast<int64_t>(buf[rows[next] - i]), scale);
      }
      continue;
    }
    // The sum of b deltas x * divisor + min, wrapping like the prefix sum.
    uint64_t sum = 0;
    for (size_t j = 0; j < b; ++j) sum += buf[j];
    k += sum * f.divisor + static_cast<uint64_t>(b) * f.min;
  }
  if (patched_frame) LIQDB_RETURN_IF_ERROR(frame.Finish());
  return all ? ApplyExceptions(in, n, out) : ApplyExceptionsAt(in, n, rows, m, out);
}

// The encodings tried for one column; the smallest wins.
std::string EncodeBest(const double* v, size_t n) {
  std::string best;
  ByteWriter w(&best);
  if (n == 0) {
    w.PutU8(kDblRaw);
    return best;
  }
  bool constant = true;
  for (size_t i = 1; i < n && constant; ++i) constant = Bits(v[i]) == Bits(v[0]);
  if (constant) {
    w.PutU8(kDblConstant);
    w.PutU64(Bits(v[0]));
    return best;
  }

  const auto consider = [&best](std::string&& candidate) {
    if (best.empty() || candidate.size() < best.size()) best = std::move(candidate);
  };

  // Past half the column in exceptions the decimal path rarely wins, and
  // the XOR fallback is tried anyway whenever there is one. Large columns
  // choose the scale on an even sample: up to ten scales times every row
  // dominated encoding, and a scale that is slightly off only costs a few
  // exceptions, never exactness.
  int scale;
  if (n > 4 * kScaleSample) {
    std::vector<double> sample(kScaleSample);
    for (size_t i = 0; i < kScaleSample; ++i) sample[i] = v[i * (n / kScaleSample)];
    scale = ChooseScale(sample.data(), kScaleSample, kScaleSample / 2);
  } else {
    scale = ChooseScale(v, n, n / 2);
  }
  bool has_exceptions = true;
  if (scale >= 0) {
    std::vector<int64_t> k(n);
    std::vector<uint8_t> decimal(n);
    int64_t lo = 0, hi = 0;
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
      decimal[i] = ToDecimal(v[i], scale, &k[i]) ? 1 : 0;
      if (!decimal[i]) continue;
      lo = any && lo < k[i] ? lo : k[i];
      hi = any && hi > k[i] ? hi : k[i];
      any = true;
    }
    // An exception's row takes its nearest k when that lies inside the
    // decimal values' range, else the previous row's k (leading ones the
    // first decimal k): an outlier must not widen every row's frame.
    std::vector<Exception> exc;
    int64_t prev = 0;
    for (size_t i = 0; i < n; ++i) {
      if (decimal[i]) {
        prev = k[i];
        break;
      }
    }
    for (size_t i = 0; i < n; ++i) {
      if (decimal[i]) {
        prev = k[i];
        continue;
      }
      int64_t near = 0;
      if (NearestDecimal(v[i], scale, &near) && near >= lo && near <= hi) {
        k[i] = near;
        prev = near;
      } else {
        k[i] = prev;
      }
      exc.push_back({i, Bits(v[i]) - Bits(FromDecimal(k[i], scale))});
    }
    has_exceptions = !exc.empty();
    std::string a, b;
    ByteWriter wa(&a), wb(&b);
    EncodeDecimalFor(k, scale, exc, &wa);
    consider(std::move(a));
    if (n > 1) {
      EncodeDecimalDelta(k, scale, exc, &wb);
      consider(std::move(b));
    }
  }
  if (has_exceptions) {
    std::string x;
    x.push_back(static_cast<char>(kDblXor));
    std::string stream;
    EncodeXor(v, n, &stream);
    ByteWriter wx(&x);
    wx.PutVarint(stream.size());
    wx.PutBytes(stream);
    consider(std::move(x));
  }
  if (best.empty() || best.size() > 1 + n * 8) {
    best.clear();
    w.PutU8(kDblRaw);
    if (n > 0) w.PutRaw(v, n * 8);
  }
  return best;
}

}  // namespace

void EncodeDoubles(const double* v, size_t n, ByteWriter* out) {
  std::string block = EncodeBest(v, n);
  // Verify by decoding: a value that would not come back bit-exact must
  // never reach disk, so any surprise falls back to raw.
  std::vector<double> check(n);
  ByteReader r(block);
  if (!DecodeDoubles(&r, n, check.data()).ok() || r.remaining() != 0 ||
      (n > 0 && std::memcmp(check.data(), v, n * sizeof(double)) != 0)) {
    block.clear();
    block.push_back(static_cast<char>(kDblRaw));
    if (n > 0) block.append(reinterpret_cast<const char*>(v), n * sizeof(double));
  }
  out->PutBytes(block);
}

Status DecodeDoublesAt(ByteReader* in, size_t n, const uint32_t* rows, size_t m, double* out) {
  if (n > kMaxCodecRows) return Status::Corruption("double codec: absurd row count");
  for (size_t k = 0; k < m; ++k) {
    if (rows[k] >= n || (k > 0 && rows[k] <= rows[k - 1])) {
      return Status::InvalidArgument("double codec: rows to decode must ascend below the row count");
    }
  }
  ByteReader probe = *in;
  uint8_t mode = 0;
  if (!probe.GetU8(&mode).ok()) return Truncated();
  if (mode == kDblDecimalDelta || mode == kDblDecimalDeltaPatched) {
    *in = probe;
    const RowPick pick{rows, m};
    return DecodeDecimalDelta(in, n, out, mode == kDblDecimalDeltaPatched, &pick);
  }
  std::vector<double> whole(n);
  LIQDB_RETURN_IF_ERROR(DecodeDoubles(in, n, whole.data()));
  for (size_t k = 0; k < m; ++k) out[k] = whole[rows[k]];
  return Status::OK();
}

Status DecodeDoublesAbove(ByteReader* in, size_t n, double t, std::vector<uint32_t>* rows,
                          std::vector<double>* values, bool* found) {
  *found = false;
  if (n > kMaxCodecRows) return Status::Corruption("double codec: absurd row count");
  ByteReader r = *in;
  uint8_t mode = 0;
  if (!r.GetU8(&mode).ok()) return Truncated();
  if (mode != kDblDecimalForPatched) return Status::OK();
  uint8_t scale = 0;
  PatchedFrameReader frame;
  LIQDB_RETURN_IF_ERROR(ReadScale(&r, &scale));
  LIQDB_RETURN_IF_ERROR(frame.Open(&r, n, "double codec"));
  const Frame& f = frame.frame();
  // An unpatched row holds k = min + x * divisor with x < 2^width, at most
  // the frame's top (no wrap: SmallFrame), and FromDecimal is monotone in k.
  if (!SmallFrame(f)) return Status::OK();
  const uint64_t top = f.min + ((uint64_t{1} << f.width) - 1) * f.divisor;
  if (!(FromDecimal(static_cast<int64_t>(top), scale) <= t)) return Status::OK();
  std::vector<std::pair<uint32_t, uint64_t>> exceptions;
  LIQDB_RETURN_IF_ERROR(ReadExceptions(
      &r, n, [&](size_t pos, uint64_t diff) { exceptions.emplace_back(static_cast<uint32_t>(pos), diff); }));
  // Patches and exceptions in row order, each row computed as the full
  // decoder does: low bits | high << width, through the frame, then the
  // exception's difference.
  const std::vector<uint32_t>& patch = frame.patch_positions();
  const std::vector<uint64_t>& high = frame.patch_high();
  std::vector<uint32_t> found_rows;
  std::vector<double> found_values;
  size_t p = 0, e = 0;
  while (p < patch.size() || e < exceptions.size()) {
    const uint32_t row = e == exceptions.size() || (p < patch.size() && patch[p] <= exceptions[e].first)
                             ? patch[p]
                             : exceptions[e].first;
    uint64_t x = frame.LowBitsAt(row);
    if (p < patch.size() && patch[p] == row) x |= high[p++] << f.width;
    double v = FromDecimal(static_cast<int64_t>(f.min + x * f.divisor), scale);
    if (e < exceptions.size() && exceptions[e].first == row) v = WithException(v, exceptions[e++].second);
    if (v > t) {
      found_rows.push_back(row);
      found_values.push_back(v);
    }
  }
  rows->swap(found_rows);
  values->swap(found_values);
  *in = r;
  *found = true;
  return Status::OK();
}

Status DecodeDoubles(ByteReader* in, size_t n, double* out) {
  if (n > kMaxCodecRows) return Status::Corruption("double codec: absurd row count");
  uint8_t mode = 0;
  if (!in->GetU8(&mode).ok()) return Truncated();
  switch (mode) {
    case kDblConstant: {
      uint64_t bits = 0;
      if (!in->GetU64(&bits).ok()) return Truncated();
      const double d = std::bit_cast<double>(bits);
      for (size_t i = 0; i < n; ++i) out[i] = d;
      return Status::OK();
    }
    case kDblDecimalFor: return DecodeDecimalFor(in, n, out);
    case kDblDecimalDelta: return DecodeDecimalDelta(in, n, out, false);
    case kDblDecimalForPatched: return DecodeDecimalForPatched(in, n, out);
    case kDblDecimalDeltaPatched: return DecodeDecimalDelta(in, n, out, true);
    case kDblXor: {
      uint64_t len = 0;
      std::string_view stream;
      if (!in->GetVarint(&len).ok()) return Truncated();
      if (len > in->remaining() || !in->GetBytes(len, &stream).ok()) return Truncated();
      if (n == 0) return len == 0 ? Status::OK() : Status::Corruption("double codec: XOR stream for no rows");
      return DecodeXor(reinterpret_cast<const uint8_t*>(stream.data()), stream.size(), n, out);
    }
    case kDblRaw:
      if (in->remaining() / 8 < n) return Truncated();
      if (n == 0) return Status::OK();  // out may be null
      return in->GetRaw(out, n * 8);
    default: return Status::Corruption("double codec: unknown mode " + std::to_string(mode));
  }
}

}  // namespace liqdb::storage
