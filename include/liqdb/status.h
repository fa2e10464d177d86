// Status and Result<T>: how every engine function reports failure.
//
// The engine never throws across its public API: a function that can fail
// returns a Status (no value) or a Result<T> (a value or a Status). Both are
// [[nodiscard]] so a dropped error is a compile warning (an error under
// -Werror). Callers at the SQLite and command-line edges turn a non-OK Status
// into an SQL error or a message and exit code.
//
// Thread-safety: values; copy freely.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace liqdb {

class [[nodiscard]] Status {
 public:
  enum class Code { kOk, kNotFound, kCorruption, kIOError, kInvalidArgument, kNotSupported, kBusy };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status NotSupported(std::string msg) { return Status(Code::kNotSupported, std::move(msg)); }
  static Status Busy(std::string msg) { return Status(Code::kBusy, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  const std::string& message() const { return message_; }

  // "Corruption: <message>", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>" (same code).
  Status WithContext(const std::string& prefix) const {
    if (ok()) return *this;
    return Status(code_, prefix + ": " + message_);
  }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// A value of type T, or the Status saying why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace liqdb

// Propagates a non-OK Status out of the current function.
#define LIQDB_RETURN_IF_ERROR(expr)      \
  do {                                   \
    ::liqdb::Status _liqdb_s = (expr);   \
    if (!_liqdb_s.ok()) return _liqdb_s; \
  } while (0)

#define LIQDB_CONCAT_INNER(a, b) a##b
#define LIQDB_CONCAT(a, b) LIQDB_CONCAT_INNER(a, b)
// Declares `lhs` from a Result, or returns its Status.
#define LIQDB_ASSIGN_OR_RETURN(lhs, expr)                                                         \
  auto LIQDB_CONCAT(_liqdb_r_, __LINE__) = (expr);                                                \
  if (!LIQDB_CONCAT(_liqdb_r_, __LINE__).ok()) return LIQDB_CONCAT(_liqdb_r_, __LINE__).status(); \
  lhs = std::move(LIQDB_CONCAT(_liqdb_r_, __LINE__)).value()
