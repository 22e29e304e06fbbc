#!/usr/bin/env bash
# Configuring dualspike as a packager would: with its tests, examples and benchmarks off,
# it configures and installs without doctest, CLI11 or Google Benchmark; with one of them
# on and its tool missing, configuring fails at once with a message naming the tool, the
# Debian package and the option.
#
#   configure_checks.sh CMAKE SOURCE_DIR WORK_DIR [cmake options for the compiler/generator...]
set -uo pipefail
cmake=$1 src=$2 work=$3; shift 3
rm -rf "$work"; mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
off=(-DDUALSPIKE_BUILD_TESTS=OFF -DDUALSPIKE_BUILD_EXAMPLES=OFF -DDUALSPIKE_BUILD_BENCHMARKS=OFF)
no_tools=(-DCMAKE_DISABLE_FIND_PACKAGE_doctest=ON -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON
          -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON)

"$cmake" -S "$src" -B "$work/install_only" "$@" "${off[@]}" "${no_tools[@]}" > "$work/install_only.log" 2>&1 ||
  fail "install-only configure failed: $(tail -5 "$work/install_only.log")"
"$cmake" --install "$work/install_only" --prefix "$work/prefix" > "$work/install.log" 2>&1 ||
  fail "install failed: $(tail -5 "$work/install.log")"
for f in include/dualspike/dualspike.hpp include/dualspike/core.hpp include/dualspike/io.hpp \
         share/cmake/dualspike/dualspikeConfig.cmake share/cmake/dualspike/dualspikeCoreTargets.cmake \
         share/cmake/dualspike/dualspikeIoTargets.cmake share/pkgconfig/dualspike.pc share/pkgconfig/dualspike-core.pc; do
  [ -f "$work/prefix/$f" ] || fail "the install lacks $f"
done
echo "install-only configure + install without doctest, CLI11, Google Benchmark: ok"

expect_refused() {  # expect_refused OPTION TOOL DEBIAN_PACKAGE
  local option=$1 tool=$2 debian=$3 out
  local args=("${off[@]/-D$option=OFF/-D$option=ON}")
  out=$("$cmake" -S "$src" -B "$work/missing_$tool" "$@" "${args[@]}" "-DCMAKE_DISABLE_FIND_PACKAGE_$tool=ON" 2>&1) &&
    fail "$option=ON without $tool configured"
  for want in "$option is ON but $tool was not found" "apt install $debian" "-D$option=OFF"; do
    grep -qF -- "$want" <<<"$out" || fail "$option without $tool: the message lacks '$want': $out"
  done
  echo "$option=ON without $tool: refused with a clear message"
}
expect_refused DUALSPIKE_BUILD_TESTS doctest doctest-dev
expect_refused DUALSPIKE_BUILD_EXAMPLES CLI11 libcli11-dev
expect_refused DUALSPIKE_BUILD_BENCHMARKS benchmark libbenchmark-dev
