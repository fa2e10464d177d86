#!/usr/bin/env bash
# Sets up and builds liqdb (tools/setup.sh), then runs the whole test suite.
# Exits non-zero when the build or any test fails.
#
#   bash tools/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tools/setup.sh
BUILD_DIR=${LIQDB_BUILD_DIR:-build}
echo "==> running the tests"
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)"
