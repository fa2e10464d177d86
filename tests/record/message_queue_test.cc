// The recorder's hand-over queue (record/message_queue.h): messages come out
// as lines in order, a flush mark reads as a timeout, and the byte cap
// refuses what would pass it until the parser catches up.
#include "record/message_queue.h"

#include <catch2/catch.hpp>

namespace liqdb::record {
namespace {

TEST_CASE("record queue: lines in order, flush marks, and the byte cap", "[record]") {
  MessageQueue q("test", 25);
  CHECK(q.Push("aaaaaaaaaa"));        // 10 bytes
  CHECK(q.Push("bb\nbbbbbbb"));       // 20: a line break becomes a space
  CHECK_FALSE(q.Push("cccccccccc"));  // 30 > 25: refused, nothing queued
  CHECK(q.Push("ddddd"));             // exactly 25
  CHECK(q.pending() == 3);
  CHECK(q.pending_bytes() == 25);
  q.PushFlush();

  std::string_view line;
  Result<LineReader::Read> r = q.Next(&line, 0);
  REQUIRE(r.ok());
  CHECK(*r == LineReader::Read::kLine);
  CHECK(line == "aaaaaaaaaa");
  CHECK(q.pending_bytes() == 15);
  CHECK(q.Push("eeeeeeeeee"));  // room again
  r = q.Next(&line, 0);
  CHECK(line == "bb bbbbbbb");
  r = q.Next(&line, 0);
  CHECK(line == "ddddd");
  r = q.Next(&line, 0);
  CHECK(*r == LineReader::Read::kTimeout);  // the flush mark
  r = q.Next(&line, 0);
  CHECK(*r == LineReader::Read::kLine);
  CHECK(line == "eeeeeeeeee");
  CHECK(q.pending_bytes() == 0);
  q.Close();
  r = q.Next(&line, 0);
  CHECK(*r == LineReader::Read::kEnd);
}

TEST_CASE("record queue: the oldest waiting message's receive time, past flush marks", "[record]") {
  MessageQueue q("test");
  CHECK(q.oldest_pending_us() == std::nullopt);
  q.PushFlush();
  CHECK(q.oldest_pending_us() == std::nullopt);  // a flush mark is no message
  CHECK(q.Push("a", 1000));
  CHECK(q.Push("b", 2000));
  CHECK(q.oldest_pending_us() == 1000);
  std::string_view line;
  REQUIRE(*q.Next(&line, 0) == LineReader::Read::kTimeout);  // the mark
  CHECK(q.oldest_pending_us() == 1000);
  REQUIRE(*q.Next(&line, 0) == LineReader::Read::kLine);
  CHECK(q.oldest_pending_us() == 2000);
  REQUIRE(*q.Next(&line, 0) == LineReader::Read::kLine);
  CHECK(q.oldest_pending_us() == std::nullopt);
}

}  // namespace
}  // namespace liqdb::record
