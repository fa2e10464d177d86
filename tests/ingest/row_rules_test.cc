// One rule per fact (issue 7, item 5): the adapters' row checks are the
// Store's (ValidateRowValues), word for word, including close rows without
// an entry price.
#include <cmath>

#include <catch2/catch.hpp>

#include "ingest/adapter_util.h"

#include "liqdb/types.h"

using namespace liqdb;

TEST_CASE("rules: a liquidation at price 0 fails the adapters and the Store alike", "[ingest][rules]") {
  Status adapter = ingest::CheckLiquidation(0, 1, 0);
  REQUIRE_FALSE(adapter.ok());
  CHECK(adapter.message() == "price must be > 0, got 0");
  Columns rows(Kind::kLiquidations);
  rows.AddLiquidation(1, Side::kLong, 100, 1, 100);
  rows.AddLiquidation(2, Side::kLong, 0, 1, 0);
  Status store = ValidateRows(rows);
  REQUIRE_FALSE(store.ok());
  CHECK(store.message() == "row 2: price must be > 0, got 0");
  CHECK(ingest::CheckLiquidation(0.5, 0, 0).ok());  // qty and notional may be 0
  CHECK(ingest::CheckLiquidation(std::nan(""), 1, 1).message() == "price must be > 0, got nan");
}

TEST_CASE("rules: a close row may omit entry_price; an open one may not", "[ingest][rules]") {
  const double null = std::nan("");
  CHECK(ingest::CheckPosition(0, null, null, null).ok());
  CHECK(ingest::CheckPosition(0, 61000, 10, null).ok());
  Status open = ingest::CheckPosition(1, null, 10, null);
  REQUIRE_FALSE(open.ok());
  CHECK_THAT(open.message(), Catch::Contains("entry_price must be > 0") && Catch::Contains("close row"));
  CHECK(ingest::CheckPosition(1, 0, 10, null).message() == "entry_price must be > 0, got 0");
  CHECK(ingest::CheckPosition(1, 100, 0, null).message() == "leverage must be NULL or > 0, got 0");
  CHECK(ingest::CheckPosition(1, 100, null, -1).message() == "liq_price must be NULL or >= 0, got -1");
  // The schema says so too: the SQL table reads NULL-ability from it.
  CHECK(SchemaOf(Kind::kPositions).value_nullable[pos_col::kEntryPrice]);
  Columns rows(Kind::kPositions);
  rows.AddPosition(1, "a", Side::kLong, 0, null, std::nullopt, std::nullopt);
  CHECK(ValidateRows(rows).ok());
}

TEST_CASE("rules: market rows", "[ingest][rules]") {
  CHECK(ingest::CheckMarket(0, 5).message() == "mark_price must be > 0, got 0");
  CHECK(ingest::CheckMarket(1, -5).message() == "open_interest must be >= 0, got -5");
  CHECK(ingest::CheckMarket(1, 0).ok());
}
