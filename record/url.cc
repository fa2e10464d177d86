// URL parsing for the recorder's endpoints (url.h).
#include "record/url.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

namespace liqdb::record {

namespace {

std::string DefaultPort(std::string_view scheme) {
  return (scheme == "wss" || scheme == "https") ? "443" : "80";
}

}  // namespace

std::string Url::HostHeader() const {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return port == DefaultPort(scheme) ? h : h + ":" + port;
}

std::string Url::ToString() const {
  return scheme + "://" + HostHeader() + target;
}

Result<Url> ParseUrl(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("bad URL '" + std::string(text) + "': " + why);
  };
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) return bad("expected SCHEME://HOST[:PORT][/PATH]");
  Url u;
  u.scheme = std::string(text.substr(0, sep));
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (u.scheme != "ws" && u.scheme != "wss" && u.scheme != "http" && u.scheme != "https") {
    return bad("the scheme must be ws, wss, http or https");
  }
  std::string_view rest = text.substr(sep + 3);
  const size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (!u.target.empty() && u.target[0] == '?') u.target = "/" + u.target;
  if (authority.find('@') != std::string_view::npos) return bad("user names in URLs are not supported");
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '['");
    u.host = std::string(authority.substr(1, close - 1));
    in6_addr ignored;
    if (inet_pton(AF_INET6, u.host.c_str(), &ignored) != 1)
      return bad("'[" + u.host + "]' is not an IPv6 address");
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("expected ':' after ']'");
      port = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    // "::1:80" would split ambiguously: RFC 3986 brackets IPv6 literals.
    if (u.host.find(':') != std::string::npos) return bad("an IPv6 address goes in brackets: [::1]:PORT");
  }
  if (u.host.empty()) return bad("no host");
  if (port.empty()) {
    u.port = DefaultPort(u.scheme);
  } else {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(port)) > 65535 || std::stoi(std::string(port)) == 0) {
      return bad("the port must be a number from 1 to 65535");
    }
    u.port = std::string(port);
  }
  return u;
}

Url WithBase(const Url& base, const std::string& target, bool websocket) {
  Url u = base;
  const bool tls = base.tls();
  u.scheme = websocket ? (tls ? "wss" : "ws") : (tls ? "https" : "http");
  u.target = target.empty() ? "/" : target;
  return u;
}

}  // namespace liqdb::record
