// Fuzzes storage/codec/double_codec. Two halves, chosen by the first byte:
//   decode: any bytes as a block of n doubles must decode or give a
//           Corruption; what decodes must re-encode and decode to the same bits;
//   encode: any doubles (NaN payloads, -0.0, denormals, infinities, short
//           decimals) must come back bit-exactly.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "storage/codec/bytes.h"
#include "storage/codec/double_codec.h"
#include "tests/fuzz/fuzz_util.h"

using namespace liqdb::storage;
using liqdb::fuzz::SameBits;

namespace {

void CheckRoundTrip(const std::vector<double>& v) {
  std::string block;
  ByteWriter w(&block);
  EncodeDoubles(v.data(), v.size(), &w);
  ByteReader r(block);
  std::vector<double> back(v.size());
  FUZZ_CHECK(DecodeDoubles(&r, back.size(), back.data()).ok());
  for (size_t i = 0; i < v.size(); ++i) FUZZ_CHECK(SameBits(back[i], v[i]));
  FUZZ_CHECK(r.remaining() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    const size_t n = in.ConsumeIntegralInRange<size_t>(0, 4096);
    const std::string block = in.ConsumeRemainingBytesAsString();
    ByteReader r(block);
    std::vector<double> v(n);
    if (DecodeDoubles(&r, n, v.data()).ok()) CheckRoundTrip(v);
    return 0;
  }
  std::vector<double> v;
  while (in.remaining_bytes() > 0 && v.size() < 4096) {
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
      case 0: {  // a decimal with a few places, the common market value
        const int64_t k = in.ConsumeIntegralInRange<int64_t>(-100000000, 100000000);
        const int scale = in.ConsumeIntegralInRange<int>(0, 9);
        v.push_back(static_cast<double>(k) / std::pow(10.0, scale));
        break;
      }
      case 1: {  // any bit pattern
        const uint64_t bits = in.ConsumeIntegral<uint64_t>();
        double d;
        std::memcpy(&d, &bits, 8);
        v.push_back(d);
        break;
      }
      case 2:  // a repeat, which runs of one price make common
        v.push_back(v.empty() ? 0.0 : v.back());
        break;
      default: v.push_back(in.ConsumeFloatingPoint<double>()); break;
    }
  }
  CheckRoundTrip(v);
  return 0;
}
