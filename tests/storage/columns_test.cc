// Tests for Columns (storage/types.cc): AppendRows gives the rows and the
// account dictionary that AppendRow row by row gives, the dictionary in
// first-use order with no unused names, whatever the source's dictionary
// holds.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "liqdb/types.h"

namespace liqdb {
namespace {

Columns Positions(const std::vector<std::string>& dict, const std::vector<uint32_t>& ids, Timestamp t0) {
  Columns c(Kind::kPositions);
  c.account_dict = dict;
  for (size_t i = 0; i < ids.size(); ++i) {
    c.ts.push_back(t0 + static_cast<Timestamp>(i));
    c.side.push_back(static_cast<uint8_t>(i % 2));
    c.account.push_back(ids[i]);
    for (int v = 0; v < pos_col::kCount; ++v) c.values[v].push_back(1.5 * static_cast<double>(i + v));
  }
  return c;
}

}  // namespace

TEST_CASE("AppendRows equals AppendRow on every row, accounts included", "[columns]") {
  // The second part's dictionary lists names in another order than they are
  // used, and one ("unused") no row refers to.
  const Columns a = Positions({"alice", "bob"}, {1, 0, 1}, 100);
  const Columns b = Positions({"unused", "carol", "alice"}, {2, 1, 2, 1}, 200);
  Columns bulk(Kind::kPositions), rowwise(Kind::kPositions);
  for (const Columns* p : {&a, &b}) {
    bulk.AppendRows(*p);
    for (size_t i = 0; i < p->size(); ++i) rowwise.AppendRow(*p, i);
  }
  CHECK(bulk.ts == rowwise.ts);
  CHECK(bulk.side == rowwise.side);
  CHECK(bulk.account == rowwise.account);
  CHECK(bulk.values == rowwise.values);
  CHECK(bulk.account_dict == std::vector<std::string>{"bob", "alice", "carol"});
  CHECK(rowwise.account_dict == bulk.account_dict);
  CHECK(bulk.AccountOf(3) == "alice");
  CHECK(bulk.AccountOf(4) == "carol");

  Columns liq(Kind::kLiquidations), one(Kind::kLiquidations);
  one.AddLiquidation(5, Side::kShort, 100, 2, 200);
  one.AddLiquidation(6, Side::kLong, 101, 1, 101);
  liq.AppendRows(one);
  liq.AppendRows(Columns(Kind::kLiquidations));
  liq.AppendRows(one);
  CHECK(liq.ts == std::vector<Timestamp>{5, 6, 5, 6});
  CHECK(liq.side == std::vector<uint8_t>{1, 0, 1, 0});
  CHECK(liq.values[liq_col::kNotional] == std::vector<double>{200, 101, 200, 101});
  CHECK(liq.account.empty());
}

}  // namespace liqdb
