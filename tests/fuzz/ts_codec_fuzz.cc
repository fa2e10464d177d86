// Fuzzes storage/codec/ts_codec. Two halves, chosen by the first byte:
//   decode: any bytes as a block of n timestamps must decode or give a
//           Corruption; what decodes must re-encode and decode to itself;
//   encode: any int64 sequence must round-trip exactly (the codec promises
//           every sequence, unsorted and INT64_MIN/MAX included).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/codec/bytes.h"
#include "storage/codec/ts_codec.h"
#include "tests/fuzz/fuzz_util.h"

using namespace liqdb::storage;

namespace {

void CheckRoundTrip(const std::vector<int64_t>& ts) {
  std::string block;
  ByteWriter w(&block);
  EncodeTimestamps(ts.data(), ts.size(), &w);
  ByteReader r(block);
  std::vector<int64_t> back(ts.size());
  FUZZ_CHECK(DecodeTimestamps(&r, back.size(), back.data()).ok());
  FUZZ_CHECK(back == ts);
  FUZZ_CHECK(r.remaining() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    const size_t n = in.ConsumeIntegralInRange<size_t>(0, 4096);
    const std::string block = in.ConsumeRemainingBytesAsString();
    ByteReader r(block);
    std::vector<int64_t> ts(n);
    if (DecodeTimestamps(&r, n, ts.data()).ok()) CheckRoundTrip(ts);
    return 0;
  }
  std::vector<int64_t> ts;
  // Small steps from a start make the sorted, evenly spaced shapes the
  // encoder is built for; raw values make the rest.
  const bool steps = in.ConsumeBool();
  int64_t at = in.ConsumeIntegral<int64_t>();
  while (in.remaining_bytes() > 0 && ts.size() < 4096) {
    if (steps) {
      at = static_cast<int64_t>(static_cast<uint64_t>(at) + in.ConsumeIntegralInRange<uint64_t>(0, 2000));
    } else {
      at = in.ConsumeIntegral<int64_t>();
    }
    ts.push_back(at);
  }
  CheckRoundTrip(ts);
  return 0;
}
