// Bit-packing and unpacking of fixed-width integers (see bitpack.h).
#include "storage/codec/bitpack.h"

#include <array>
#include <bit>
#include <cstring>
#include <numeric>
#include <string>
#include <utility>

namespace liqdb::storage {

namespace {

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Unpacks one group of eight W-bit values (exactly W bytes). Reads up to
// W + 9 bytes from `in`, so the caller guarantees that many are readable.
template <int W>
inline void UnpackGroup(const uint8_t* in, uint64_t* out) {
  constexpr uint64_t kMask = W == 64 ? ~uint64_t{0} : (uint64_t{1} << W) - 1;
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    const int bit = i * W;
    const int byte = bit >> 3;
    const int shift = bit & 7;
    uint64_t v = Load64(in + byte) >> shift;
    // A value of more than 56 bits may straddle nine bytes.
    if (W > 56 && shift + W > 64) v |= static_cast<uint64_t>(in[byte + 8]) << ((64 - shift) & 63);
    out[i] = v & kMask;
  }
}

// Slack the fast loop keeps before the end so UnpackGroup never overreads.
constexpr size_t kSlack = 16;

template <int W>
void UnpackWidth(const uint8_t* in, size_t bytes, size_t n, uint64_t* out) {
  const uint8_t* end = in + bytes;
  size_t i = 0;
  // Whole groups with slack behind them go straight from the buffer.
  while (i + 8 <= n && static_cast<size_t>(end - in) >= static_cast<size_t>(W) + kSlack) {
    UnpackGroup<W>(in, out + i);
    in += W;
    i += 8;
  }
  // The last few groups are copied into a zero-padded buffer first.
  while (i < n) {
    uint8_t pad[64 + kSlack] = {};
    const size_t avail = static_cast<size_t>(end - in);
    const size_t take = avail < static_cast<size_t>(W) ? avail : static_cast<size_t>(W);
    std::memcpy(pad, in, take);
    uint64_t tmp[8];
    UnpackGroup<W>(pad, tmp);
    const size_t count = n - i < 8 ? n - i : 8;
    std::memcpy(out + i, tmp, count * sizeof(uint64_t));
    in += take;
    i += count;
  }
}

using UnpackFn = void (*)(const uint8_t*, size_t, size_t, uint64_t*);

template <int... Ws>
constexpr auto MakeTable(std::integer_sequence<int, Ws...>) {
  return std::array<UnpackFn, sizeof...(Ws)>{&UnpackWidth<Ws + 1>...};
}

// kUnpack[w - 1] unpacks width w.
constexpr auto kUnpack = MakeTable(std::make_integer_sequence<int, 64>{});

}  // namespace

int BitWidth(uint64_t max_value) {
  return static_cast<int>(std::bit_width(max_value));
}

void BitPack(const uint64_t* values, size_t n, int width, ByteWriter* out) {
  if (width <= 0 || n == 0) return;
  if (width > 64) width = 64;
  const size_t bytes = PackedBytes(n, width);
  std::string* buf = out->buffer();
  const size_t start = buf->size();
  // Whole 8-byte words are flushed into slack past the end, then trimmed.
  buf->resize(start + bytes + 8);
  uint8_t* p = reinterpret_cast<uint8_t*>(buf->data()) + start;
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  uint64_t acc = 0;
  int bits = 0;  // bits in acc, always < 64
  for (size_t i = 0; i < n; ++i) {
    const uint64_t v = values[i] & mask;
    acc |= v << bits;
    if (bits + width >= 64) {
      std::memcpy(p, &acc, 8);
      p += 8;
      const int used = 64 - bits;
      acc = used < 64 ? v >> used : 0;
      bits = bits + width - 64;
    } else {
      bits += width;
    }
  }
  std::memcpy(p, &acc, 8);
  buf->resize(start + bytes);
}

Status BitUnpack(ByteReader* in, size_t n, int width, uint64_t* out) {
  if (width < 0 || width > 64) {
    return Status::Corruption("bitpack: width " + std::to_string(width) + " out of range");
  }
  if (n > kMaxCodecRows) return Status::Corruption("bitpack: absurd value count");
  if (n == 0) return Status::OK();  // out may be null
  if (width == 0) {
    std::memset(out, 0, n * sizeof(uint64_t));
    return Status::OK();
  }
  const size_t bytes = PackedBytes(n, width);
  std::string_view data;
  if (!in->GetBytes(bytes, &data).ok()) return Status::Corruption("bitpack: truncated block");
  kUnpack[width - 1](reinterpret_cast<const uint8_t*>(data.data()), bytes, n, out);
  return Status::OK();
}

namespace {
// Whether x is a multiple of a fixed d, without a division per value: with
// d = 2^k * m, m odd, x is a multiple of d exactly when its low k bits are
// 0 and (x >> k) * m^-1 mod 2^64 <= (2^64 - 1) / m (Granlund and
// Montgomery, "Division by invariant integers using multiplication", 9.1).
class MultipleTest {
 public:
  explicit MultipleTest(uint64_t d)
      : shift_(std::countr_zero(d)), low_mask_((uint64_t{1} << shift_) - 1), odd_(d >> shift_) {
    inverse_ = odd_;  // Newton's iteration: each step doubles the correct low bits (3 -> 96)
    for (int i = 0; i < 5; ++i) inverse_ *= 2 - odd_ * inverse_;
    limit_ = UINT64_MAX / odd_;
  }
  bool Divides(uint64_t x) const { return (x & low_mask_) == 0 && (x >> shift_) * inverse_ <= limit_; }
  // x / d (d the divisor this test was made for): for a multiple of d the
  // product Divides computes is the quotient itself, so a multiply replaces
  // the division; any other x takes the division.
  uint64_t Quotient(uint64_t x, uint64_t d) const { return Divides(x) ? (x >> shift_) * inverse_ : x / d; }

 private:
  int shift_;
  uint64_t low_mask_, odd_, inverse_ = 0, limit_ = 0;
};
}  // namespace

Frame ChooseFrame(const uint64_t* values, size_t n) {
  Frame f;
  if (n == 0) return f;
  int64_t lo = static_cast<int64_t>(values[0]);
  int64_t hi = lo;
  for (size_t i = 1; i < n; ++i) {
    const int64_t x = static_cast<int64_t>(values[i]);
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
  }
  f.min = static_cast<uint64_t>(lo);
  // The gcd of every value's offset from the minimum. Most values are
  // multiples of the gcd so far (timestamps in whole ms, prices on a tick):
  // a cheap test for that, and a gcd step only when one is not.
  uint64_t g = 0;
  size_t i = 0;
  for (; i < n && g == 0; ++i) g = values[i] - f.min;
  if (g > 1) {
    MultipleTest multiple(g);
    for (; i < n; ++i) {
      const uint64_t x = values[i] - f.min;
      if (multiple.Divides(x)) continue;
      g = std::gcd(g, x);
      if (g == 1) break;
      multiple = MultipleTest(g);
    }
  }
  f.divisor = g == 0 ? 1 : g;
  f.width = BitWidth((static_cast<uint64_t>(hi) - f.min) / f.divisor);
  return f;
}

void PutFrame(const Frame& frame, ByteWriter* out) {
  out->PutVarint(ZigZagEncode(static_cast<int64_t>(frame.min)));
  out->PutVarint(frame.divisor);
  out->PutU8(static_cast<uint8_t>(frame.width));
}

Status GetFrame(ByteReader* in, const char* codec, Frame* frame) {
  uint64_t zz = 0, divisor = 0;
  uint8_t width = 0;
  if (!in->GetVarint(&zz).ok() || !in->GetVarint(&divisor).ok() || !in->GetU8(&width).ok()) {
    return Status::Corruption(std::string(codec) + ": truncated frame");
  }
  if (width > 64)
    return Status::Corruption(std::string(codec) + ": bit width " + std::to_string(width) + " > 64");
  if (divisor == 0) return Status::Corruption(std::string(codec) + ": frame divisor 0");
  frame->min = static_cast<uint64_t>(ZigZagDecode(zz));
  frame->divisor = divisor;
  frame->width = width;
  return Status::OK();
}

void FrameOffsets(const Frame& frame, const uint64_t* values, size_t n, uint64_t* out) {
  if (frame.divisor == 1) {
    for (size_t j = 0; j < n; ++j) out[j] = values[j] - frame.min;
    return;
  }
  // ChooseFrame's divisor divides every offset: exact division.
  const MultipleTest multiple(frame.divisor);
  for (size_t j = 0; j < n; ++j) out[j] = multiple.Quotient(values[j] - frame.min, frame.divisor);
}

void FramePack(const Frame& frame, const uint64_t* values, size_t n, ByteWriter* out) {
  if (frame.width == 0) return;
  // Through a block buffer so the caller's values stay untouched; blocks of
  // a multiple of 8 values keep the packed stream seamless.
  constexpr size_t kBlock = 1024;
  uint64_t buf[kBlock];
  for (size_t i = 0; i < n; i += kBlock) {
    const size_t m = n - i < kBlock ? n - i : kBlock;
    FrameOffsets(frame, values + i, m, buf);
    BitPack(buf, m, frame.width, out);
  }
}

// Wrapping unsigned arithmetic in both: corrupt frames give wrong values,
// never UB.
void FrameValues(const Frame& frame, size_t n, uint64_t* x) {
  if (frame.divisor == 1) {
    for (size_t i = 0; i < n; ++i) x[i] += frame.min;
  } else {
    for (size_t i = 0; i < n; ++i) x[i] = x[i] * frame.divisor + frame.min;
  }
}

void FramePrefixSum(const Frame& frame, size_t n, uint64_t* acc, uint64_t* x) {
  FrameValues(frame, n, x);
  // A running sum is a chain of dependent adds. In groups of four, the sums
  // inside a group do not wait for the running total, which then takes one
  // add per group instead of one per value.
  uint64_t a = *acc;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint64_t p0 = x[i], p1 = p0 + x[i + 1], p2 = p1 + x[i + 2], p3 = p2 + x[i + 3];
    x[i] = a + p0;
    x[i + 1] = a + p1;
    x[i + 2] = a + p2;
    x[i + 3] = a + p3;
    a += p3;
  }
  for (; i < n; ++i) x[i] = a += x[i];
  *acc = a;
}

Status FrameUnpack(const Frame& frame, ByteReader* in, size_t n, uint64_t* out) {
  LIQDB_RETURN_IF_ERROR(BitUnpack(in, n, frame.width, out));
  FrameValues(frame, n, out);
  return Status::OK();
}

}  // namespace liqdb::storage
