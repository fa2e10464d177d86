// Reads every line of an in-memory input through LineReader, for the tests
// of compressed streams (zstd frames, gzip members): the lines, and the
// Corruption message that ended the stream, if one did.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "liqdb/ingest.h"

namespace liqdb::testing {

struct ReadLines {
  std::vector<std::string> lines;
  std::string error;  // empty: ended cleanly
};

// `name` only labels the input (the compression is taken from its bytes,
// which must be `expected`); more than `max_lines` lines fails the test.
inline ReadLines ReadAllLines(std::string data, const std::string& name, Compression expected,
                              int max_lines) {
  auto reader = LineReader::FromString(std::move(data), name);
  REQUIRE(reader.ok());
  CHECK((*reader)->compression() == expected);
  ReadLines out;
  std::string_view line;
  for (int guard = 0; guard < max_lines; ++guard) {
    auto r = (*reader)->Next(&line);
    if (!r.ok()) {
      out.error = r.status().message();
      CHECK(r.status().IsCorruption());
      // After the damage the reader is at its end.
      auto again = (*reader)->Next(&line);
      CHECK((again.ok() && *again == LineReader::Read::kEnd));
      return out;
    }
    if (*r == LineReader::Read::kEnd) return out;
    out.lines.emplace_back(line);
  }
  FAIL("the reader did not end");
  return out;
}

}  // namespace liqdb::testing
