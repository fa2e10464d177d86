// Fuzzes every ingest adapter (ingest/) behind the LineReader, the way
// `liqdb ingest` meets a file: the first input byte picks the format (or
// auto: the sniffer looks at the first lines), the rest is the file, which
// may be plain or gzip/zstd/bzip2 (recognised by its magic bytes).
//
// Properties: no crash, no hang, no uncaught exception; a line is either
// rejected with a reason or yields rows; every row an adapter produces is
// one the store accepts (ValidateRows), since the Ingester hands them on
// unchecked; at most a few rows per input byte.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/fuzz_util.h"

#include "liqdb/ingest.h"
#include "liqdb/types.h"

using namespace liqdb;

namespace {

// Format codes of the first byte, in ingest.h's order up to kAuto; the
// formats added later come after it, so the committed seeds' codes (0-8)
// keep their meaning.
constexpr Format kFormats[] = {
    Format::kCsv,
    Format::kTardisLiquidations,
    Format::kTardisDerivativeTicker,
    Format::kBinanceForceOrder,
    Format::kBinanceLiquidationSnapshot,
    Format::kBybitLiquidation,
    Format::kOkxLiquidationOrders,
    Format::kHyperliquidClearinghouse,
    Format::kAuto,
    Format::kBinanceMarkPrice,
    Format::kBybitTicker,
    Format::kOkxMarkPrice,
    Format::kOkxOpenInterest,
    Format::kHyperliquidAssetCtxs,
    Format::kLiqdbRaw,
};
constexpr size_t kNumFormats = sizeof kFormats / sizeof kFormats[0];

void CheckRows(const std::vector<SeriesBatch>& batches) {
  for (const SeriesBatch& b : batches) {
    Status v = ValidateRows(b.rows);
    if (!v.ok()) std::fprintf(stderr, "adapter produced a row the store rejects: %s\n", v.ToString().c_str());
    FUZZ_CHECK(v.ok());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Format format = kFormats[data[0] % kNumFormats];
  auto reader = LineReader::FromString(std::string(reinterpret_cast<const char*>(data) + 1, size - 1),
                                       "fuzz/BTCUSD_PERP-liquidationSnapshot-2024-06-10.csv");
  if (!reader.ok()) return 0;
  LineReader& lr = **reader;

  // Read every line first (with its padding, as the Ingester keeps it), so
  // auto can sniff from the first ten.
  std::vector<std::string> lines;
  size_t bytes = 0;
  while (true) {
    std::string_view line;
    auto r = lr.Next(&line);
    if (!r.ok() || *r != LineReader::Read::kLine) break;
    bytes += line.size() + 1;
    if (bytes > (size_t{64} << 20)) break;  // a decompression bomb: real input, not a finding
    lines.emplace_back(line);
  }
  if (format == Format::kAuto) {
    std::vector<std::string> head(lines.begin(), lines.begin() + std::min<size_t>(lines.size(), 10));
    auto sniffed = SniffFormat(head);
    if (!sniffed) return 0;
    format = *sniffed;
    FUZZ_CHECK(format != Format::kAuto);
  }

  IngestOptions options;
  options.format = format;
  auto adapter = MakeAdapter(format, options);
  FUZZ_CHECK(adapter.ok());
  Adapter& a = **adapter;
  if (!a.BeginFile(lr.name()).ok()) return 0;
  RowBuffer buffer;
  LineStats stats;
  std::string padded;
  for (const std::string& line : lines) {
    padded.assign(line);
    padded.append(kLinePadding, '\0');
    const size_t before = buffer.rows();
    Status s = a.ParseLine(std::string_view(padded.data(), line.size()), &buffer, &stats);
    if (!s.ok()) {
      FUZZ_CHECK(buffer.rows() == before);  // a rejected line adds nothing
      FUZZ_CHECK(!s.message().empty());
    }
    if (buffer.rows() > 4096) CheckRows(buffer.TakeAll());
  }
  a.EndFile(true);
  CheckRows(buffer.TakeAll());
  return 0;
}
