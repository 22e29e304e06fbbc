// Configure-time check (cmake/dualspikeArchFlags.cmake): compiled with the AVX-512 flag
// set, it exits 0 only if the CPU running it has AVX-512 F/BW/DQ/VL and the compiler did
// not miscompile the known case (GCC 12.2, -O2/-O3, 512-bit auto-vectorization: every
// element of this initializer list comes out 1). Also the CTest `arch_flags_guard`,
// compiled with the flags the build uses.
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
