// Multiset difference of an incoming batch against stored rows (see dedupe.h).
#include "storage/dedupe.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>

namespace liqdb::storage {

namespace {

// The bytes that identify a row: ts, side, every value's bit pattern, account.
std::string RowIdentity(const Columns& c, size_t i) {
  const KindSchema& s = SchemaOf(c.kind);
  std::string id;
  id.reserve(16 + 8 * s.num_values);
  id.append(reinterpret_cast<const char*>(&c.ts[i]), sizeof(Timestamp));
  if (s.has_side) id.push_back(static_cast<char>(c.side[i]));
  for (int v = 0; v < s.num_values; ++v) {
    id.append(reinterpret_cast<const char*>(&c.values[v][i]), sizeof(double));
  }
  if (s.has_account) id.append(c.AccountOf(i));
  return id;
}

}  // namespace

size_t DropStoredRows(const std::vector<Columns>& stored, Columns* incoming) {
  if (incoming->empty() || stored.empty()) return 0;
  const Timestamp lo = *std::min_element(incoming->ts.begin(), incoming->ts.end());
  const Timestamp hi = *std::max_element(incoming->ts.begin(), incoming->ts.end());
  // How many copies of each identity the store holds: each one cancels one
  // incoming copy.
  std::unordered_map<std::string, uint32_t> credit;
  for (const Columns& chunk : stored) {
    for (size_t i = 0; i < chunk.size(); ++i) {
      if (chunk.ts[i] < lo || chunk.ts[i] > hi) continue;
      ++credit[RowIdentity(chunk, i)];
    }
  }
  if (credit.empty()) return 0;
  Columns kept(incoming->kind);
  kept.Reserve(incoming->size());
  size_t dropped = 0;
  for (size_t i = 0; i < incoming->size(); ++i) {
    auto it = credit.find(RowIdentity(*incoming, i));
    if (it != credit.end() && it->second > 0) {
      --it->second;
      ++dropped;
      continue;
    }
    kept.AppendRow(*incoming, i);
  }
  if (dropped > 0) *incoming = std::move(kept);
  return dropped;
}

}  // namespace liqdb::storage
