#!/usr/bin/env bash
# Builds dualspike's libFuzzer targets (tests/fuzz, clang-14 with ASan + UBSan), builds the
# seed corpora (tests/fuzz/make_seeds.py: slices of real MNIST, hand-built CIFAR-10 and
# safetensors files, the malformed cases) and runs each target for a bounded time, one
# after the other (one fuzzer process at a time, nice'd).
#
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 30)] [TARGET ...]
#   targets: fuzz_idx_raw fuzz_idx_gzip fuzz_cifar10 fuzz_safetensors (default: all)
# The grown corpus stays in $BUILD/corpus/TARGET (reused by the next run), crash inputs go
# to $BUILD/findings/TARGET/, logs to $BUILD/logs/TARGET.log. Exit status 1 if any target
# found a crash, leak or timeout. BUILD = $DUALSPIKE_FUZZ_BUILD_DIR or build-fuzz.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${DUALSPIKE_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${1:-30}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_idx_raw fuzz_idx_gzip fuzz_cifar10 fuzz_safetensors)
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: seconds must be a whole number, got '$seconds'" >&2; exit 2 ;; esac

cxx="${DUALSPIKE_FUZZ_CXX:-clang++-14}"
# clang-14 only recommends libclang-rt-14-dev, which holds libFuzzer and the sanitizer runtimes.
missing=()
for p in clang-14 libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ -z "${DUALSPIKE_FUZZ_CXX:-}" ] && [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz.sh: installing ${missing[*]} (libFuzzer)"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
nice -n 10 cmake --build "$build" -j2 --target "${targets[@]}"

python=/usr/bin/python3
[ -x "$python" ] || python=python3
"$python" "$root/tests/fuzz/make_seeds.py" "$build/seeds" "$root/data/mnist" >/dev/null

declare -A max_len=([fuzz_idx_raw]=4096 [fuzz_idx_gzip]=4096 [fuzz_cifar10]=8192 [fuzz_safetensors]=4096)
declare -A seeds=([fuzz_idx_raw]=idx_raw [fuzz_idx_gzip]=idx_gzip [fuzz_cifar10]=cifar10 [fuzz_safetensors]=safetensors)
failed=0
summary=()
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t" findings="$build/findings/$t" log="$build/logs/$t.log"
  mkdir -p "$corpus" "$findings" "$build/logs"
  extra=()
  [ "$t" = fuzz_safetensors ] && extra+=(-dict="$root/tests/fuzz/safetensors.dict")
  echo "fuzz.sh: $t for ${seconds} s"
  set +e
  (cd "$build" && nice -n 10 "./$t" -max_total_time="$seconds" -max_len="${max_len[$t]}" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/" "${extra[@]}" \
      "$corpus" "$build/seeds/${seeds[$t]}") >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
  files=$(find "$corpus" -type f | wc -l)
  crashes=$(find "$findings" -type f | wc -l)
  status="ok"
  if [ $rc -ne 0 ]; then status="FAILED (exit $rc, see $log)"; failed=1; tail -40 "$log" >&2; fi
  summary+=("$t: ${seconds} s, $execs executions, corpus $files files, $crashes finding files, $status")
done
printf '%s\n' "fuzz.sh summary:" "${summary[@]}"
exit $failed
