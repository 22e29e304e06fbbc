#!/usr/bin/env bash
# Sanitizer runs of the unit tests, through the presets in CMakePresets.json:
#   asan  AddressSanitizer + UndefinedBehaviorSanitizer (-O1 -g, -fno-sanitize-recover=all),
#         the whole unit-test suite (packaging and compile-fail tests left out), build-asan/
#   tsan  ThreadSanitizer, the concurrency tests (one const network, one State per thread),
#         built without OpenMP (libgomp is not instrumented: false reports), build-tsan/
# usage: scripts/sanitize.sh [asan|tsan|all]   (default all). Set-up as scripts/test.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
which="${1:-all}"
case "$which" in
  asan) presets=(asan) ;;
  tsan) presets=(tsan) ;;
  all) presets=(asan tsan) ;;
  *) echo "sanitize.sh: expected asan, tsan or all, got '$which'" >&2; exit 2 ;;
esac
bash "$root/scripts/setup.sh"
cd "$root"
for p in "${presets[@]}"; do
  start=$SECONDS
  cmake --preset "$p" >/dev/null
  cmake --build --preset "$p"
  ctest --preset "$p"
  echo "sanitize.sh: $p passed in $((SECONDS - start)) s"
done
