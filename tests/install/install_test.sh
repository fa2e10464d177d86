#!/usr/bin/env bash
# CTest `install`: installs the build into a temporary prefix, moves the
# prefix (the install must be relocatable), checks what is there, builds
# tests/install/consumer against it with CMake find_package and with
# pkg-config (each shared and static), runs each, and checks what they print
# against numbers worked out by hand. Also runs the installed command and
# loads the installed extension into plain sqlite3 over the store the
# consumer wrote.
#
#   install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR CXX_COMPILER
set -euo pipefail
build=$1 src=$2 work=$3 cxx=$4
consumer=$src/tests/install/consumer
rm -rf "$work"
mkdir -p "$work"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

echo "== cmake --install"
cmake --install "$build" --prefix "$work/first" >"$work/install.log"
mv "$work/first" "$work/prefix"  # a prefix that is not where it was installed
p=$work/prefix

# GNUInstallDirs: lib, or lib64 on some hosts.
libdir=lib
[[ -d $p/lib64 && ! -d $p/lib ]] && libdir=lib64
for f in bin/liqdb $libdir/liqdb/liqdb.so $libdir/libliqdb.so $libdir/libliqdb.a \
  $libdir/cmake/liqdb/liqdbConfig.cmake $libdir/cmake/liqdb/liqdbConfigVersion.cmake \
  $libdir/pkgconfig/liqdb.pc; do
  [[ -e $p/$f ]] || fail "not installed: $f"
done
for h in "$src"/include/liqdb/*.h; do
  [[ -f $p/include/liqdb/$(basename "$h") ]] || fail "header not installed: $(basename "$h")"
done
# Public headers may include each other and the standard library only (and
# build as C++17: the pkg-config consumer below is built so).
bad=$(grep -h '^[[:space:]]*#[[:space:]]*include' "$p"/include/liqdb/*.h |
  grep -Ev '#[[:space:]]*include[[:space:]]+("liqdb/[a-z_]+\.h"|<[a-z_]+>)' || true)
[[ -z $bad ]] || fail "public headers include outside liqdb/ and the standard library: $bad"

# The consumer appends rows 0..999 (10 s apart from 2024-03-01T00:00:00Z,
# even rows long, price = notional = 100 + i), reads them back, and bins them
# hourly over three hours. By hand: 500 longs; notional 100*1000 + 999*1000/2
# = 599500; the first hour holds rows with 10*i < 3600, i.e. 360 rows.
expect_rows="rows 1000 longs 500 notional 599500.0"
expect_hist="buckets 3 first 2024-03-01T00:00:00Z count 360 version 0.1.0"
check_run() {  # check_run NAME BINARY
  local name=$1 bin=$2 out
  out=$("$bin" "$work/store-$name") || fail "$name: consumer failed"
  [[ $out == *"appended 1000"* ]] || fail "$name: first run: $out"
  [[ $out == *"$expect_rows"* ]] || fail "$name: first run: $out"
  [[ $out == *"$expect_hist"* ]] || fail "$name: first run: $out"
  # Appending the same rows again stores nothing and reads the same rows.
  out=$("$bin" "$work/store-$name") || fail "$name: second run failed"
  [[ $out == *"appended 0"* && $out == *"$expect_rows"* ]] || fail "$name: second run: $out"
  echo "ok $name"
}

for kind in shared static; do
  echo "== find_package consumer ($kind)"
  static=OFF
  [[ $kind == static ]] && static=ON
  cmake -S "$consumer" -B "$work/cmake-$kind" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$p" -DLIQDB_CONSUMER_STATIC=$static \
    >"$work/cmake-$kind.log" || fail "configure ($kind), see $work/cmake-$kind.log"
  cmake --build "$work/cmake-$kind" >>"$work/cmake-$kind.log" || fail "build ($kind), see $work/cmake-$kind.log"
  if [[ $kind == shared ]]; then
    # grep without -q reads to the end: with -q it may exit at the match
    # and ldd, writing on, dies of SIGPIPE, which pipefail reports.
    ldd "$work/cmake-$kind/consumer" | grep "$p/$libdir/libliqdb.so" >/dev/null ||
      fail "shared consumer does not use the installed libliqdb.so"
  else
    ! ldd "$work/cmake-$kind/consumer" | grep -q libliqdb || fail "static consumer needs libliqdb.so"
  fi
  check_run "cmake-$kind" "$work/cmake-$kind/consumer"
done

echo "== pkg-config consumer"
export PKG_CONFIG_PATH=$p/$libdir/pkgconfig
[[ $(pkg-config --modversion liqdb) == 0.1.0 ]] || fail "pkg-config --modversion: $(pkg-config --modversion liqdb)"
pkg-config --static --libs liqdb | grep -- -lrocksdb >/dev/null || fail "pkg-config --static lacks -lrocksdb"
# shellcheck disable=SC2046
"$cxx" -std=c++17 -O1 -o "$work/pc-consumer" "$consumer/main.cc" $(pkg-config --cflags --libs liqdb) \
  -Wl,-rpath,"$(pkg-config --variable=libdir liqdb)" || fail "pkg-config build"
check_run pkg-config "$work/pc-consumer"
# Static, as the README says: the archive, then what `--static` lists.
# shellcheck disable=SC2046
"$cxx" -std=c++17 -O1 -o "$work/pc-static-consumer" "$consumer/main.cc" $(pkg-config --cflags liqdb) \
  "$p/$libdir/libliqdb.a" $(pkg-config --static --libs-only-l liqdb | sed 's/-lliqdb//') ||
  fail "pkg-config static build"
! ldd "$work/pc-static-consumer" | grep -q libliqdb || fail "pkg-config static consumer needs libliqdb.so"
check_run pkg-config-static "$work/pc-static-consumer"

echo "== installed command and extension"
[[ $("$p/bin/liqdb" --version) == *0.1.0* ]] || fail "installed liqdb --version"
"$p/bin/liqdb" verify --store "$work/store-pkg-config" >/dev/null || fail "installed liqdb verify"
out=$(sqlite3 :memory: ".load $p/$libdir/liqdb/liqdb" \
  "CREATE VIRTUAL TABLE liq USING liqdb(store='$work/store-pkg-config', kind='liquidations');" \
  "SELECT count(*), sum(side = 'long'), sum(notional) FROM liq;") || fail "sqlite3 with the installed extension"
[[ $out == "1000|500|599500.0" ]] || fail "sqlite3 over the consumer's store: $out"
echo "ok installed command and extension"
