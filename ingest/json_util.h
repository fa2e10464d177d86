// simdjson On-Demand helpers for the JSON-lines adapters: a padded view of a
// line (the LineReader guarantees the padding), numbers that venues send
// either as JSON numbers or as strings, and error messages naming the field.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "ingest/adapter_util.h"

namespace liqdb::ingest {

static_assert(kLinePadding >= simdjson::SIMDJSON_PADDING, "LineReader padding too small for simdjson");

inline simdjson::padded_string_view Padded(std::string_view line) {
  return simdjson::padded_string_view(line.data(), line.size(), line.size() + kLinePadding);
}

inline Status JsonError(simdjson::error_code e, std::string_view field = {}) {
  std::string msg = "bad JSON";
  if (!field.empty()) msg += " at '" + std::string(field) + "'";
  msg += ": ";
  msg += simdjson::error_message(e);
  return Status::InvalidArgument(std::move(msg));
}

// A number given as a JSON number or a decimal string ("66705.3").
inline Status GetNumber(simdjson::ondemand::value v, std::string_view field, double* out) {
  simdjson::ondemand::json_type t;
  if (auto e = v.type().get(t)) return JsonError(e, field);
  if (t == simdjson::ondemand::json_type::string) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return JsonError(e, field);
    if (!ParseDouble(s, out)) return BadValue("bad " + std::string(field), s);
    return Status::OK();
  }
  if (t == simdjson::ondemand::json_type::number) {
    if (auto e = v.get_double().get(*out)) return JsonError(e, field);
    return Status::OK();
  }
  return Status::InvalidArgument(std::string(field) + " is not a number");
}

// Epoch milliseconds (number or string) as µs.
inline Status GetMillis(simdjson::ondemand::value v, std::string_view field, Timestamp* out) {
  simdjson::ondemand::json_type t;
  if (auto e = v.type().get(t)) return JsonError(e, field);
  int64_t ms = 0;
  if (t == simdjson::ondemand::json_type::string) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return JsonError(e, field);
    if (!ParseInt64(s, &ms)) return BadValue("bad " + std::string(field), s);
  } else if (t == simdjson::ondemand::json_type::number) {
    if (auto e = v.get_int64().get(ms)) return JsonError(e, field);
  } else {
    return Status::InvalidArgument(std::string(field) + " is not a time");
  }
  if (!MillisToMicros(ms, out)) return Status::InvalidArgument(std::string(field) + " out of range");
  return Status::OK();
}

// The items of an OKX push, {"arg":{…},"data":[{…},…]}: parses `line` and
// calls `item(object)` (returning Status) on each object of "data". A
// subscription event ({"event":…}) or a push without "data" is an error.
template <typename Item>
Status ForEachOkxDataItem(simdjson::ondemand::parser& parser, std::string_view line, Item&& item) {
  simdjson::ondemand::document doc;
  if (auto e = parser.iterate(Padded(line)).get(doc)) return JsonError(e);
  simdjson::ondemand::object top;
  if (auto e = doc.get_object().get(top)) return JsonError(e);
  bool has_data = false;
  for (auto fr : top) {
    simdjson::ondemand::field f;
    if (auto e = std::move(fr).get(f)) return JsonError(e);
    simdjson::ondemand::raw_json_string key;
    key = f.key();
    if (key == "event") return Status::InvalidArgument("a subscription event, not data");
    if (!(key == "data")) continue;
    has_data = true;
    simdjson::ondemand::array arr;
    if (auto e = f.value().get_array().get(arr)) return JsonError(e, "data");
    for (auto vr : arr) {
      simdjson::ondemand::object obj;
      if (auto e = vr.get_object().get(obj)) return JsonError(e, "data[]");
      LIQDB_RETURN_IF_ERROR(item(obj));
    }
  }
  if (!has_data) return Status::InvalidArgument("no 'data'");
  return Status::OK();
}

}  // namespace liqdb::ingest
