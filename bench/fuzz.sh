#!/usr/bin/env bash
# Long fuzz runs: each libFuzzer target of tests/fuzz for N CPU-minutes (not
# wall minutes: on a shared machine a run is restarted until its CPU time
# reaches N), growing a corpus in BUILD/fuzz-long/<target>/ from the seeds,
# then a summary table: target, CPU-minutes, execs, findings. Exits 1 when
# any target found something (crash-/oom-/timeout-/leak- files are kept in
# BUILD/fuzz-long/<target>/artifacts/; slow-unit- files there are not findings).
#
#   bash bench/fuzz.sh [--minutes N] [--jobs J] [--build DIR] [TARGET...]
#     --minutes N  CPU-minutes per target (default 10; fractions allowed)
#     --jobs J     targets run at once (default 1)
#     --build DIR  the LIQDB_FUZZ build (default build-fuzz; configured and
#                  built here if missing), or a folder of copies of its
#                  tests/fuzz/*_fuzz binaries
#     --report     print the table of the last run (also while it runs) and exit
#     TARGET       bitpack ts_codec ... (default: all of tests/fuzz)
# Run it under `nice -n 19` when the machine is shared.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MINUTES=10
JOBS=1
BUILD=build-fuzz
REPORT=0
TARGETS=()
while (($#)); do
  case $1 in
    --minutes) MINUTES=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --report) REPORT=1; shift ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
if ((${#TARGETS[@]} == 0)); then
  for f in tests/fuzz/*_fuzz.cc; do
    t=${f##*/}
    TARGETS+=("${t%_fuzz.cc}")
  done
fi

report() {
  local status=0
  printf '%-18s %12s %14s %9s\n' target CPU-minutes execs findings
  for t in "${TARGETS[@]}"; do
    [[ -f $BUILD/fuzz-long/$t/result ]] || continue
    read -r name cpu execs findings <"$BUILD/fuzz-long/$t/result"
    printf '%-18s %12.1f %14d %9d\n' "$name" "$(awk -v s="$cpu" 'BEGIN { print s / 60000 }')" "$execs" "$findings"
    if ((findings > 0)); then
      status=1
      find "$BUILD/fuzz-long/$t/artifacts/" -type f ! -name 'slow-unit-*' | sed 's|^|  |'
    fi
  done
  return $status
}
if ((REPORT)); then
  report
  exit $?
fi

# A folder holding only copies of the binaries (DIR/tests/fuzz/*_fuzz) is used
# as it is, so a long run can go on while the build folder is rebuilt.
if [[ -f $BUILD/build.ninja ]]; then
  cmake --build "$BUILD" --target liqdb_fuzz
elif ! compgen -G "$BUILD/tests/fuzz/*_fuzz" >/dev/null; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DLIQDB_FUZZ=ON -DLIQDB_BUILD_TESTS=OFF -DLIQDB_BUILD_BENCH=OFF
  cmake --build "$BUILD" --target liqdb_fuzz
fi

budget=$(awk -v m="$MINUTES" 'BEGIN { printf "%d", m * 60000 }')  # CPU ms

# run_target T: fuzzes T until its CPU time reaches the budget; writes
# "T cpu_ms execs findings" to $BUILD/fuzz-long/T/result.
run_target() {
  local t=$1 dir=$BUILD/fuzz-long/$1
  mkdir -p "$dir/corpus" "$dir/artifacts"
  local cpu=0 execs=0 rc=0 round=0
  : >"$dir/log"
  echo "$t 0 0 0" >"$dir/result"
  while ((cpu < budget)); do
    round=$((round + 1))
    # Rounds of at most 2 wall minutes keep result (read by --report) current.
    local left=$(((budget - cpu + 999) / 1000 < 120 ? (budget - cpu + 999) / 1000 : 120))
    # Wall time >= CPU time, so a round of `left` wall seconds never overshoots.
    local TIMEFORMAT='%U %S'
    local times
    times=$({ time "$BUILD/tests/fuzz/${t}_fuzz" -max_total_time="$left" -timeout=30 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$dir/corpus" "tests/fuzz/corpus/$t" \
      >>"$dir/log" 2>&1 || echo "rc=$?" >>"$dir/log"; } 2>&1)
    cpu=$((cpu + $(awk '{ printf "%d", ($1 + $2) * 1000 }' <<<"$times")))
    execs=$((execs + $(grep -a '^stat::number_of_executed_units' "$dir/log" | tail -1 | awk '{ print $2 + 0 }')))
    # slow-unit-* files are not findings: libFuzzer keeps going, and on a
    # loaded machine its wall-clock "slow" says nothing (-timeout catches hangs).
    local findings
    findings=$(find "$dir/artifacts" -type f ! -name 'slow-unit-*' | wc -l)
    if grep -aq '^rc=' "$dir/log" || ((findings > 0)); then rc=1; fi
    if ((rc != 0 && findings == 0)); then findings=1; fi
    echo "$t $cpu $execs $findings" >"$dir/result"
    if ((rc != 0)); then break; fi
  done
}

running=0
for t in "${TARGETS[@]}"; do
  if [[ ! -x $BUILD/tests/fuzz/${t}_fuzz ]]; then
    echo "no fuzz target '$t' in $BUILD/tests/fuzz" >&2
    exit 2
  fi
  rm -f "$BUILD/fuzz-long/$t/result"
  run_target "$t" &
  running=$((running + 1))
  if ((running >= JOBS)); then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

report
