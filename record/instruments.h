// What the recorder takes from the venues' instrument lists, once at its
// start: OKX's contract values, so instruments quoted in contracts that
// ingest's built-in table lacks (most OKX swaps and every dated future) are
// converted instead of rejected (a failure leaves the built-in table and
// --contract-size in use); Bybit's trading symbols, for `--symbols all`.
//
// Thread-safety: pure parsing; the fetch runs on its own io_context.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "record/url.h"

#include "liqdb/status.h"

namespace liqdb::record {

// Adds instId -> ctVal from an OKX GET /api/v5/public/instruments response
// ({"code":"0","data":[{"instId":…,"ctVal":…},…]}) to `sizes`, keeping the
// entries already there (--contract-size wins). Returns how many it added.
Result<size_t> ParseOkxInstruments(std::string_view body, std::map<std::string, double>* sizes);

// GETs OKX's SWAP and FUTURES instrument lists from `base` (its scheme, host
// and port) and adds their contract values to `sizes`.
Status FetchOkxContractSizes(boost::asio::ssl::context* tls, const Url& base, int64_t timeout_ms,
                             std::map<std::string, double>* sizes, size_t* added);

// Adds the symbols of a Bybit GET /v5/market/instruments-info response
// ({"retCode":0,"result":{"list":[{"symbol":…,"status":"Trading"},…],
// "nextPageCursor":…}}) whose status is Trading to `symbols`; sets `cursor`
// to the next page's ("" on the last).
Status ParseBybitInstruments(std::string_view body, std::vector<std::string>* symbols, std::string* cursor);

// Every trading linear and inverse Bybit symbol, from `base` (scheme, host, port).
Status FetchBybitSymbols(boost::asio::ssl::context* tls, const Url& base, int64_t timeout_ms,
                         std::vector<std::string>* symbols);

}  // namespace liqdb::record
