#!/usr/bin/env bash
# Installs what liqdb needs on Debian 12 and builds it (Release, warnings as
# errors) in build/.
#
#   bash tools/setup.sh            # as root, or as a user with sudo
#
# apt-get runs only when a package is missing, so a second run just builds.
# LIQDB_BUILD_DIR overrides the build folder (default: build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  librocksdb-dev libsqlite3-dev sqlite3 libboost-iostreams-dev catch2
  libsimdjson-dev libfast-float-dev libcli11-dev libfmt-dev libpng-dev libxxhash-dev libisal-dev
  libzstd-dev zlib1g-dev libbz2-dev python3
  # `liqdb record` (record/): TLS for wss:// and https:// (Boost.Beast/Asio come with libboost1.74-dev)
  libssl-dev libboost1.74-dev
  # tools/check_format.sh (tools/test.sh's format stage)
  clang-format
  # tools/test.sh's fuzz stage: clang with libFuzzer and its sanitizer
  # runtimes (libclang-rt-14-dev), llvm-symbolizer (llvm) for readable reports.
  clang libclang-rt-14-dev llvm
  # tools/examples/chart_and_heatmap.py and its test (tests/examples).
  python3-pandas python3-matplotlib python3-pil
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "==> installing: ${missing[*]}"
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then
      SUDO=(sudo)
    else
      echo "error: missing packages (${missing[*]}); run as root or install sudo" >&2
      exit 1
    fi
  fi
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "==> all build dependencies present"
fi

BUILD_DIR=${LIQDB_BUILD_DIR:-build}
echo "==> configuring ${BUILD_DIR}/ (Release, -Werror)"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLIQDB_WERROR=ON
echo "==> building with $(nproc) cores"
cmake --build "$BUILD_DIR" -j "$(nproc)"
echo "==> built ${BUILD_DIR}/liqdb and ${BUILD_DIR}/liqdb.so"
