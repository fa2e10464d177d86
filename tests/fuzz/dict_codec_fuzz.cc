// Fuzzes storage/codec/dict_codec. Two halves, chosen by the first byte:
//   decode: any bytes as a block of n ids must decode to ids inside the
//           dictionary or give a Corruption (a lying dictionary size must not
//           allocate); what decodes must re-encode byte for byte;
//   encode: any dictionary and ids into it must round-trip.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/codec/bytes.h"
#include "storage/codec/dict_codec.h"
#include "tests/fuzz/fuzz_util.h"

using namespace liqdb::storage;

namespace {

void CheckRoundTrip(const std::vector<uint32_t>& ids, const std::vector<std::string>& dict) {
  std::string block;
  ByteWriter w(&block);
  EncodeDictIds(ids.data(), ids.size(), dict, &w);
  ByteReader r(block);
  std::vector<uint32_t> back_ids;
  std::vector<std::string> back_dict;
  FUZZ_CHECK(DecodeDictIds(&r, ids.size(), &back_ids, &back_dict).ok());
  FUZZ_CHECK(back_ids == ids && back_dict == dict);
  FUZZ_CHECK(r.remaining() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    const size_t n = in.ConsumeIntegralInRange<size_t>(0, 4096);
    const std::string block = in.ConsumeRemainingBytesAsString();
    ByteReader r(block);
    std::vector<uint32_t> ids;
    std::vector<std::string> dict;
    if (!DecodeDictIds(&r, n, &ids, &dict).ok()) return 0;
    FUZZ_CHECK(ids.size() == n);
    for (uint32_t id : ids) FUZZ_CHECK(id < dict.size());
    CheckRoundTrip(ids, dict);
    return 0;
  }
  std::vector<std::string> dict(in.ConsumeIntegralInRange<size_t>(1, 64));
  for (std::string& s : dict) s = in.ConsumeRandomLengthString(48);
  std::vector<uint32_t> ids;
  while (in.remaining_bytes() > 0 && ids.size() < 4096) {
    ids.push_back(in.ConsumeIntegralInRange<uint32_t>(0, static_cast<uint32_t>(dict.size() - 1)));
  }
  CheckRoundTrip(ids, dict);
  return 0;
}
