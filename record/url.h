// URLs of the venues' endpoints: ws://, wss://, http:// and https:// with an
// optional port and target, and the --endpoint rule that swaps a venue's base
// (scheme, host, port) while keeping its path.
//
// Thread-safety: values and pure functions.
#pragma once

#include <string>
#include <string_view>

#include "liqdb/status.h"

namespace liqdb::record {

struct Url {
  std::string scheme;  // "ws", "wss", "http", "https"
  std::string host;    // "fstream.binance.com", "127.0.0.1", "::1" (no brackets)
  std::string port;    // always set: the scheme's default when the URL has none
  std::string target;  // path and query, "/" when empty
  bool tls() const { return scheme == "wss" || scheme == "https"; }
  // The Host header value: host, plus ":port" when it is not the default.
  std::string HostHeader() const;
  std::string ToString() const;
};

// Parses an absolute URL; InvalidArgument naming it when it is not one of the
// four schemes or has no host.
Result<Url> ParseUrl(std::string_view text);

// `base` (scheme://host[:port], any path ignored) with `target` as its path.
// A ws base serves http targets and vice versa: a wss base given for a venue
// also carries its REST calls as https.
Url WithBase(const Url& base, const std::string& target, bool websocket);

}  // namespace liqdb::record
