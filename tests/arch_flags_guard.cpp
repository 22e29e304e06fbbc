// CTest `arch_flags_guard`, compiled at -O3 with the build's DUALSPIKE_ARCH_FLAGS: fails
// if the compiler miscompiled the known case (GCC 12.2, 512-bit auto-vectorization, e.g.
// -march=x86-64-v4: every element of this initializer list comes out 1), or if the flags
// enable AVX-512 on a CPU without it. Passing is necessary, not sufficient (docs/results.md,
// "Known compiler fault").
#include <cstdio>
#include <cstring>
#include <vector>

int main() {
#if defined(__x86_64__) && defined(__AVX512F__)
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512dq") || !__builtin_cpu_supports("avx512vl")) {
    std::puts("CPU lacks AVX-512 F/BW/DQ/VL");
    return 2;
  }
#endif
  // The values must be printed: a comparison of each element is folded at compile time
  // and hides the fault.
  const std::vector<double> e = {1, 1, 0, 0, 0, 0, 0, 0};
  char got[160] = {};
  char* p = got;
  for (double a : e) p += std::snprintf(p, 16, "%g ", a);
  if (std::strcmp(got, "1 1 0 0 0 0 0 0 ") != 0) {
    std::printf("miscompiled: {1, 1, 0, 0, 0, 0, 0, 0} came out as {%s}\n", got);
    return 1;
  }
  std::puts("ok");
  return 0;
}
