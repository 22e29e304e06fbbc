# DUALSPIKE_ARCH_FLAGS: architecture flags of dualspike's own tests, examples and
# benchmarks (never passed to consumers, who choose their own).
#
# Default: where the configuring machine has AVX-512 (F, BW, DQ, VL),
# `-march=x86-64-v4 -mprefer-vector-width=256`: Eigen's and xsimd's kernels use 512-bit
# registers (they are written with intrinsics), while GCC's auto-vectorizer stays at 256
# bits - GCC 12.2 miscompiles 512-bit auto-vectorized code (docs/results.md, "Known compiler
# fault"). The choice is made by compiling and running cmake/arch/avx512_check.cpp with
# those flags at -O3: it must find the CPU features and must not hit the known fault.
# Elsewhere, and whenever that check fails, `-march=x86-64-v3` (AVX2 + FMA).
# The same program is the CTest `arch_flags_guard`, built with the flags in use.
if(NOT DEFINED CACHE{DUALSPIKE_ARCH_FLAGS})
  set(_ds_arch "-march=x86-64-v3")
  set(_ds_why "no AVX-512 build")
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang"
     AND NOT CMAKE_CROSSCOMPILING)
    set(_ds_v4 "-march=x86-64-v4 -mprefer-vector-width=256")
    separate_arguments(_ds_v4_list UNIX_COMMAND "${_ds_v4}")
    try_run(_ds_run _ds_compiled ${CMAKE_BINARY_DIR}/dualspike_arch_check
            SOURCES ${CMAKE_CURRENT_LIST_DIR}/arch/avx512_check.cpp
            COMPILE_DEFINITIONS -O3 ${_ds_v4_list}
            CXX_STANDARD 20
            COMPILE_OUTPUT_VARIABLE _ds_compile_out RUN_OUTPUT_VARIABLE _ds_run_out)
    if(_ds_compiled AND "${_ds_run}" STREQUAL "0")
      set(_ds_arch "${_ds_v4}")
      set(_ds_why "AVX-512 found, known GCC fault absent")
    else()
      string(STRIP "${_ds_run_out}" _ds_run_out)
      set(_ds_why "AVX-512 check: ${_ds_run_out}")
    endif()
  endif()
  set(DUALSPIKE_ARCH_FLAGS "${_ds_arch}" CACHE STRING
      "Architecture flags for dualspike's own programs (empty = compiler default)")
  message(STATUS "dualspike: DUALSPIKE_ARCH_FLAGS = ${_ds_arch} (${_ds_why})")
endif()
