// The liqdb version string, reported by liqdb_version() and `liqdb --version`.
#pragma once

namespace liqdb {
constexpr const char* kVersion = "0.1.0";
}
