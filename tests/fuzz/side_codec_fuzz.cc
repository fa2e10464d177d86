// Fuzzes storage/codec/side_codec. Two halves, chosen by the first byte:
//   decode: any bytes as a block of n sides must decode to 0/1 values or give
//           a Corruption; what decodes must re-encode and decode to itself;
//   encode: any 0/1 sequence (long runs and alternations) must round-trip.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/codec/bytes.h"
#include "storage/codec/side_codec.h"
#include "tests/fuzz/fuzz_util.h"

using namespace liqdb::storage;

namespace {

void CheckRoundTrip(const std::vector<uint8_t>& s) {
  std::string block;
  ByteWriter w(&block);
  EncodeSides(s.data(), s.size(), &w);
  ByteReader r(block);
  std::vector<uint8_t> back(s.size());
  FUZZ_CHECK(DecodeSides(&r, back.size(), back.data()).ok());
  FUZZ_CHECK(back == s);
  FUZZ_CHECK(r.remaining() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    const size_t n = in.ConsumeIntegralInRange<size_t>(0, 1 << 16);
    const std::string block = in.ConsumeRemainingBytesAsString();
    ByteReader r(block);
    std::vector<uint8_t> s(n);
    if (!DecodeSides(&r, n, s.data()).ok()) return 0;
    for (uint8_t x : s) FUZZ_CHECK(x <= 1);
    CheckRoundTrip(s);
    return 0;
  }
  std::vector<uint8_t> s;
  uint8_t value = 0;
  while (in.remaining_bytes() > 0 && s.size() < (1 << 16)) {
    const size_t run = in.ConsumeIntegralInRange<size_t>(1, 300);
    s.insert(s.end(), run, value);
    value ^= 1;
  }
  CheckRoundTrip(s);
  return 0;
}
