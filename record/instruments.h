// Contract values from the venues' instrument lists, so instruments quoted in
// contracts that ingest's built-in table lacks (most OKX swaps and every dated
// future) are converted instead of rejected. Fetched once at the recorder's
// start; a failure leaves the built-in table (and --contract-size) in use.
//
// Thread-safety: pure parsing; the fetch runs on its own io_context.
#pragma once

#include <map>
#include <string>
#include <string_view>

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

}  // namespace liqdb::record
