// Fuzzes record::ParseUrl (record/url.h), which reads --endpoint values and
// the URLs built from them. Input: the URL text.
//
// Properties: no crash, no UB; a URL that parses has one of the four
// schemes, a host, a port of 1-65535 digits and a target starting with '/';
// its ToString() parses back to the same scheme, host, port and target, and
// renders the same text again; WithBase keeps host and port and swaps the
// scheme by its TLS-ness.
#include <cstdint>
#include <string>
#include <string_view>

#include "record/url.h"
#include "tests/fuzz/fuzz_util.h"

using namespace liqdb;
using liqdb::record::Url;

namespace {

bool Same(const Url& a, const Url& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port && a.target == b.target;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<Url> u = record::ParseUrl(text);
  if (!u.ok()) {
    FUZZ_CHECK(u.status().IsInvalidArgument());
    return 0;
  }
  FUZZ_CHECK(u->scheme == "ws" || u->scheme == "wss" || u->scheme == "http" || u->scheme == "https");
  FUZZ_CHECK(!u->host.empty());
  FUZZ_CHECK(!u->port.empty() && u->port.size() <= 5);
  long port = 0;
  for (char c : u->port) {
    FUZZ_CHECK(c >= '0' && c <= '9');
    port = port * 10 + (c - '0');
  }
  FUZZ_CHECK(port >= 1 && port <= 65535);
  FUZZ_CHECK(!u->target.empty() && u->target[0] == '/');
  (void)u->HostHeader();

  const std::string once = u->ToString();
  Result<Url> back = record::ParseUrl(once);
  FUZZ_CHECK(back.ok());
  FUZZ_CHECK(Same(*back, *u));
  FUZZ_CHECK(back->ToString() == once);

  for (bool websocket : {true, false}) {
    const Url w = record::WithBase(*u, u->target, websocket);
    FUZZ_CHECK(w.host == u->host && w.port == u->port && w.target == u->target && w.tls() == u->tls());
    FUZZ_CHECK(w.scheme == (websocket ? (u->tls() ? "wss" : "ws") : (u->tls() ? "https" : "http")));
  }
  return 0;
}
