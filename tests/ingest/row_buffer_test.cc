// RowBuffer's cuts (ingest/row_buffer.cc): TakeSettled keeps a window of each
// series' latest rows for archives, and with whole_of hands a series over
// only in whole multiples of that many rows; TakeStream, a live feed's flush, holds a
// series' latest-timestamp rows back for one interval only, however busy the
// other series are, and never splits rows that share a timestamp and arrive
// within an interval. Expected batches worked by hand.
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "liqdb/ingest.h"

namespace liqdb {
namespace {

void Add(RowBuffer* b, const char* symbol, Timestamp ts, double qty = 1) {
  b->Series(Kind::kLiquidations, "binance", symbol)->AddLiquidation(ts, Side::kLong, 100, qty, 100 * qty);
  b->NoteRows(1);
}

// symbol -> the timestamps taken for it, in order.
std::map<std::string, std::vector<Timestamp>> Taken(const std::vector<SeriesBatch>& batches) {
  std::map<std::string, std::vector<Timestamp>> out;
  for (const SeriesBatch& b : batches) {
    for (Timestamp t : b.rows.ts) out[b.key.symbol].push_back(t);
  }
  return out;
}

using Ts = std::vector<Timestamp>;

TEST_CASE("TakeStream: the latest rows wait one flush, however busy the other series", "[ingest][stream]") {
  RowBuffer b;
  Add(&b, "A", 1);
  Add(&b, "A", 2);
  Add(&b, "A", 3);
  Add(&b, "B", 5);
  // Flush 1: each series' latest timestamp stays (a twin may still come).
  auto t = Taken(b.TakeStream());
  CHECK(t["A"] == Ts{1, 2});
  CHECK(t.count("B") == 0);
  CHECK(b.rows() == 2);
  // A busy, B quiet. Flush 2: A's 3 is no longer its latest; B's 5 waited a whole interval.
  Add(&b, "A", 4);
  t = Taken(b.TakeStream());
  CHECK(t["A"] == Ts{3});
  CHECK(t["B"] == Ts{5});
  // Flush 3: A's 4 waited an interval.
  t = Taken(b.TakeStream());
  CHECK(t["A"] == Ts{4});
  CHECK(b.empty());
  CHECK(b.TakeStream().empty());
}

TEST_CASE("TakeStream: rows sharing a timestamp within an interval travel in one batch", "[ingest][stream]") {
  RowBuffer b;
  Add(&b, "A", 10, 1);
  Add(&b, "A", 10, 1);  // an exact twin in the same message
  CHECK(b.TakeStream().empty());
  Add(&b, "A", 10, 1);  // a third copy, in the next interval
  auto batches = b.TakeStream();
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].rows.ts == Ts{10, 10, 10});
  // A later ts after a release is held afresh.
  Add(&b, "A", 11);
  CHECK(b.TakeStream().empty());
  Add(&b, "A", 12);
  CHECK(Taken(b.TakeStream())["A"] == Ts{11});
}

TEST_CASE("TakeSettled with whole_of: whole multiples only, a timestamp's rows kept together", "[ingest]") {
  RowBuffer b;
  for (Timestamp t : {1, 2, 2, 2, 3, 9}) Add(&b, "A", t);
  Add(&b, "B", 1);
  Add(&b, "B", 2);
  // Settled (window 0): A's rows before 9, B's before 2. Whole threes: A's
  // first three end inside ts 2's run, so all of ts 2 goes (four rows); B
  // has one settled row, not three, and stays whole.
  auto t = Taken(b.TakeSettled(0, 3));
  CHECK(t["A"] == Ts{1, 2, 2, 2});
  CHECK(t.count("B") == 0);
  CHECK(b.rows() == 4);
  // Fewer than six settled rows: nothing moves; without whole_of everything settled does.
  CHECK(b.TakeSettled(0, 6).empty());
  t = Taken(b.TakeSettled(0, 0));
  CHECK(t["A"] == Ts{3});
  CHECK(t["B"] == Ts{1});
  CHECK(b.rows() == 2);
}

}  // namespace
}  // namespace liqdb
