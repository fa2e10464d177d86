// The idempotency rule of Store::Append as a function: drop from an incoming
// batch the rows the store already holds.
//
// Rows are compared on every column, bit for bit (ts, side, account and every
// value). A row the incoming batch holds k times and the store s times keeps
// max(0, k - s) copies: re-appending a batch is a no-op, and distinct
// liquidations that happen to share every field inside one batch all stay.
//
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <vector>

#include "liqdb/types.h"

namespace liqdb::storage {

// Removes duplicates from `incoming` (order kept). `stored` are decoded
// chunks of the same series overlapping the incoming time range. Returns the
// number of rows removed.
size_t DropStoredRows(const std::vector<Columns>& stored, Columns* incoming);

}  // namespace liqdb::storage
