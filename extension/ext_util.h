// Small helpers shared by the virtual tables and functions of the extension:
// setting a vtab's error message, and the guard that keeps C++ exceptions
// from crossing SQLite's C boundary.
//
// Every xMethod of every module runs its body through GuardVtab (or
// GuardFunction for scalars): a std::bad_alloc becomes SQLITE_NOMEM, any
// other exception SQLITE_ERROR with its what() as the message.
//
// Thread-safety: stateless.
#pragma once

#include <exception>
#include <new>
#include <string>

#include "extension/sqlite_api.h"

#include "liqdb/status.h"

namespace liqdb::ext {

// Replaces the vtab's error message (SQLite frees it with sqlite3_free).
inline void SetVtabError(sqlite3_vtab* vtab, const std::string& message) {
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf("%s", message.c_str());
}

// Reports a failed Status on the vtab; returns the SQLite code to return.
inline int VtabStatus(sqlite3_vtab* vtab, const Status& status) {
  if (status.ok()) return SQLITE_OK;
  SetVtabError(vtab, status.message());
  return status.code() == Status::Code::kBusy ? SQLITE_BUSY : SQLITE_ERROR;
}

// Runs `body` (returning an SQLite code); exceptions become error codes.
template <typename F>
int GuardVtab(sqlite3_vtab* vtab, F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (const std::exception& e) {
    if (vtab != nullptr) SetVtabError(vtab, std::string("liqdb internal error: ") + e.what());
    return SQLITE_ERROR;
  } catch (...) {
    if (vtab != nullptr) SetVtabError(vtab, "liqdb internal error");
    return SQLITE_ERROR;
  }
}

// The same for scalar functions: the error goes to the function's context.
template <typename F>
void GuardFunction(sqlite3_context* ctx, F&& body) noexcept {
  try {
    body();
  } catch (const std::bad_alloc&) {
    sqlite3_result_error_nomem(ctx);
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, (std::string("liqdb internal error: ") + e.what()).c_str(), -1);
  } catch (...) {
    sqlite3_result_error(ctx, "liqdb internal error", -1);
  }
}

}  // namespace liqdb::ext
