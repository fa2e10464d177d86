#!/usr/bin/env bash
# Runs clang-tidy (the checks in .clang-tidy) over liqdb's sources, using the
# compile commands of a build folder; exits non-zero on any finding.
#
#   bash tools/tidy.sh [BUILD_DIR]     # default build/ (configured by tools/setup.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR=${1:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
mapfile -t files < <(git ls-files 'storage/*.cc' 'query/*.cc' 'ingest/*.cc' 'extension/*.cc' 'tools/*.cc')
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$BUILD_DIR" --quiet --extra-arg=-Wno-unknown-warning-option
echo "tidy: ${#files[@]} files clean"
