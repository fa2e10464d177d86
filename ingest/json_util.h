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

}  // namespace liqdb::ingest
