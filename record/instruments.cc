// The venues' instrument lists: OKX contract values, Bybit symbols (instruments.h).
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

Status ParseBybitInstruments(std::string_view body, std::vector<std::string>* symbols, std::string* cursor) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto e = parser.parse(body.data(), body.size()).get(doc)) {
    return Status::InvalidArgument(std::string("Bybit instruments: not JSON (") + simdjson::error_message(e) +
                                   ")");
  }
  int64_t code = -1;
  if (doc["retCode"].get(code) || code != 0) {
    return Status::InvalidArgument("Bybit instruments: the venue answered retCode " + std::to_string(code));
  }
  simdjson::dom::array list;
  if (doc["result"]["list"].get(list)) return Status::InvalidArgument("Bybit instruments: no result.list");
  for (simdjson::dom::element inst : list) {
    std::string_view sym, status;
    if (inst["symbol"].get(sym) || sym.empty()) continue;
    if (!inst["status"].get(status) && status != "Trading") continue;
    symbols->emplace_back(sym);
  }
  std::string_view next;
  cursor->clear();
  if (!doc["result"]["nextPageCursor"].get(next)) cursor->assign(next);
  return Status::OK();
}

Status FetchBybitSymbols(asio::ssl::context* tls, const Url& base, int64_t timeout_ms,
                         std::vector<std::string>* symbols) {
  asio::io_context io;
  Status result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (const char* category : {"linear", "inverse"}) {
          std::string cursor;
          for (int page = 0; page < 20 && result.ok();
               ++page) {  // 1000 a page: 20 pages is far beyond Bybit's list
            HttpRequest req;
            req.url = WithBase(base,
                               std::string("/v5/market/instruments-info?category=") + category +
                                   "&limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor),
                               false);
            req.timeout = std::chrono::milliseconds(timeout_ms);
            HttpResponse res;
            Status s = co_await Fetch(io.get_executor(), tls, req, &res);
            if (s.ok()) s = ParseBybitInstruments(res.body, symbols, &cursor);
            if (!s.ok()) result = s;
            if (cursor.empty()) break;
          }
        }
      },
      asio::detached);
  io.run();
  return result;
}

}  // namespace liqdb::record
