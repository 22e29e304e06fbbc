#!/usr/bin/env bash
# A consumer without CMake: compiles and runs the two consumer programs with the flags
# pkg-config gives for the installed dualspike.pc (everything) and dualspike-core.pc (the
# core: no zlib / nlohmann-json on the command line, and main_core.cpp checks that neither
# header is included), with warnings as errors.
#
#   pkg_config_consumer.sh PKG_CONFIG CXX PC_DIR CONSUMER_SOURCES WORK_DIR
set -euo pipefail
pkg_config=$1 cxx=$2 pc_dir=$3 src=$4 work=$5
mkdir -p "$work"
export PKG_CONFIG_PATH="$pc_dir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
for pair in dualspike:main.cpp dualspike-core:main_core.cpp; do
  pc=${pair%%:*} file=${pair#*:}
  flags=$("$pkg_config" --cflags "$pc")
  libs=$("$pkg_config" --libs "$pc")
  echo "$pc: $flags $libs"
  case "$flags" in *"$pc_dir"/../../include*) ;; *) echo "FAIL: $pc's include path is not the installed one: $flags" >&2; exit 1 ;; esac
  if [ "$pc" = dualspike-core ] && [ -n "$libs" ]; then echo "FAIL: the core needs no libraries, got '$libs'" >&2; exit 1; fi
  # shellcheck disable=SC2086
  "$cxx" -std=c++20 -O1 -Wall -Wextra -Werror $flags "$src/$file" -o "$work/${file%.cpp}" $libs
  "$work/${file%.cpp}"
done
