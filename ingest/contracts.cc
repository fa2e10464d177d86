// Contract sizes and venue ids: how venue-native sizes become base units.
//
// Sizes quoted in contracts are never guessed: an instrument of a venue that
// quotes in contracts and is neither in the table below nor given with
// --contract-size is an error naming it. Linear contracts are worth a number
// of base units; inverse contracts a number of USD, so that
// notional = contracts × value and qty = notional / price.
#include <cmath>
#include <string>

#include "ingest/parse_util.h"

#include "liqdb/ingest.h"

namespace liqdb {

namespace {

using Type = ContractSpec::Type;

struct BuiltIn {
  const char* exchange;
  const char* symbol;
  Type type;
  double value;
};

// The major instruments whose sizes are contracts (samples/README.md).
constexpr BuiltIn kBuiltIn[] = {
    {"okx", "BTC-USDT-SWAP", Type::kLinear, 0.01},
    {"okx", "ETH-USDT-SWAP", Type::kLinear, 0.1},
    {"okx", "BTC-USD-SWAP", Type::kInverse, 100},
    {"okx", "ETH-USD-SWAP", Type::kInverse, 10},
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Whether a user-supplied value for `symbol` is USD per contract (inverse)
// rather than base units per contract: the quote currency is plain USD.
bool LooksInverse(std::string_view exchange, std::string_view symbol) {
  if (exchange == "okx") {
    size_t dash = symbol.find('-');
    return dash != std::string_view::npos && symbol.substr(dash + 1, 4) == "USD-";
  }
  if (exchange == "binance") return symbol.find('_') != std::string_view::npos;
  return EndsWith(symbol, "USD") || symbol.find("USD_") != std::string_view::npos;
}

}  // namespace

Result<ContractSpec> LookupContract(std::string_view exchange, std::string_view symbol,
                                    const std::map<std::string, double>& overrides) {
  auto it = overrides.find(std::string(symbol));
  if (it != overrides.end()) {
    return ContractSpec{LooksInverse(exchange, symbol) ? Type::kInverse : Type::kLinear, it->second};
  }
  for (const BuiltIn& b : kBuiltIn) {
    if (exchange == b.exchange && symbol == b.symbol) return ContractSpec{b.type, b.value};
  }
  if (exchange == "binance") {
    // COIN-M (BTCUSD_PERP, ETHUSD_240628): inverse, 100 USD for BTC, else 10 USD.
    if (symbol.find('_') != std::string_view::npos) {
      return ContractSpec{Type::kInverse, StartsWith(symbol, "BTCUSD_") ? 100.0 : 10.0};
    }
    return ContractSpec{Type::kBase, 1};
  }
  if (exchange == "bybit") {
    // Inverse perpetuals and futures (BTCUSD, BTCUSDH25) are sized in USD.
    bool inverse =
        EndsWith(symbol, "USD") ||
        (symbol.size() > 6 && symbol.find("USDT") == std::string_view::npos &&
         symbol.find("USDC") == std::string_view::npos && symbol.find("USD") != std::string_view::npos &&
         symbol.find('-') == std::string_view::npos);
    return inverse ? ContractSpec{Type::kInverse, 1} : ContractSpec{Type::kBase, 1};
  }
  if (exchange == "deribit") {
    // Inverse BTC/ETH instruments are sized in USD; USDC-margined ones in base.
    if (symbol.find("_USDC") != std::string_view::npos) return ContractSpec{Type::kBase, 1};
    return ContractSpec{Type::kInverse, 1};
  }
  if (exchange == "bitmex") {
    if (symbol == "XBTUSD") return ContractSpec{Type::kInverse, 1};
  } else if (exchange != "okx") {
    return ContractSpec{Type::kBase, 1};
  }
  return Status::NotFound("unknown contract size for instrument " + std::string(symbol) + " on " +
                          std::string(exchange) + "; supply it with --contract-size " + std::string(symbol) +
                          "=VALUE (base units per contract, or USD per "
                          "contract for inverse instruments)");
}

void ApplyContract(const ContractSpec& spec, double size, double price, double* qty, double* notional) {
  switch (spec.type) {
    case Type::kBase:
      *qty = size;
      *notional = price * size;
      return;
    case Type::kLinear: {
      // 0.01 BTC a contract: 35 / 100 is the double nearest 0.35, 35 × 0.01 is not.
      const double per_base = 1.0 / spec.value;
      const double k = std::round(per_base);
      *qty = k >= 1 && std::fabs(per_base - k) < 1e-9 * k ? size / k : size * spec.value;
      *notional = price * *qty;
      return;
    }
    case Type::kInverse:
      *notional = size * spec.value;
      *qty = price > 0 ? *notional / price : 0;
      return;
  }
}

std::string_view MapTardisExchange(std::string_view id) {
  if (id == "binance-futures" || id == "binance-delivery" || id == "binance") return "binance";
  if (id == "okex-swap" || id == "okex-futures" || id == "okex" || id == "okex-options") return "okx";
  if (id == "bybit" || id == "bybit-spot" || id == "bybit-options") return "bybit";
  return id;
}

Status ParseContractSizeArg(std::string_view arg, IngestOptions* options) {
  size_t eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Status::InvalidArgument("--contract-size wants INSTRUMENT=VALUE, got '" + std::string(arg) + "'");
  }
  double v = 0;
  if (!ingest::ParseDouble(arg.substr(eq + 1), &v) || !(v > 0)) {
    return Status::InvalidArgument("--contract-size " + std::string(arg) +
                                   ": the value must be a positive number");
  }
  options->contract_sizes[std::string(arg.substr(0, eq))] = v;
  return Status::OK();
}

}  // namespace liqdb
