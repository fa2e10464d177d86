// Contract values from OKX's instrument lists (contracts.h).
#include "record/instruments.h"

#include <simdjson.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "record/http_client.h"

namespace liqdb::record {

namespace asio = boost::asio;

Result<size_t> ParseOkxInstruments(std::string_view body, std::map<std::string, double>* sizes) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto e = parser.parse(body.data(), body.size()).get(doc)) {
    return Status::InvalidArgument(std::string("OKX instruments: not JSON (") + simdjson::error_message(e) +
                                   ")");
  }
  std::string_view code;
  if (doc["code"].get(code) || code != "0") {
    return Status::InvalidArgument("OKX instruments: the venue answered code '" + std::string(code) + "'");
  }
  simdjson::dom::array data;
  if (doc["data"].get(data)) return Status::InvalidArgument("OKX instruments: no 'data' array");
  size_t added = 0;
  for (simdjson::dom::element inst : data) {
    std::string_view id, ct;
    if (inst["instId"].get(id) || inst["ctVal"].get(ct) || id.empty()) continue;
    double v = 0;
    try {
      v = std::stod(std::string(ct));
    } catch (...) {
      continue;  // an instrument without a usable contract value stays unknown
    }
    if (!(v > 0)) continue;
    if (sizes->emplace(std::string(id), v).second) ++added;
  }
  return added;
}

Status FetchOkxContractSizes(asio::ssl::context* tls, const Url& base, int64_t timeout_ms,
                             std::map<std::string, double>* sizes, size_t* added) {
  *added = 0;
  asio::io_context io;
  Status result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (const char* type : {"SWAP", "FUTURES"}) {
          HttpRequest req;
          req.url = WithBase(base, std::string("/api/v5/public/instruments?instType=") + type, false);
          req.timeout = std::chrono::milliseconds(timeout_ms);
          HttpResponse res;
          Status s = co_await Fetch(io.get_executor(), tls, req, &res);
          if (s.ok()) {
            Result<size_t> n = ParseOkxInstruments(res.body, sizes);
            if (n.ok()) *added += *n;
            s = n.status();
          }
          if (!s.ok() && result.ok()) result = s;
        }
      },
      asio::detached);
  io.run();
  return result;
}

}  // namespace liqdb::record
