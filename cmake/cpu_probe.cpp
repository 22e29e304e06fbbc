// Run at configure time when DUALSPIKE_ARCH_FLAGS=auto (CMakeLists.txt): prints the x86-64
// micro-architecture level that dualspike's own programs should target on the build
// machine's CPU, then why:
//   "v4"   AVX-512 F/BW/CD/DQ/VL on top of v3, with full-width 512-bit units;
//   "v3"   AVX2 + FMA + BMI1/2 (every such CPU has the level's other features; clang 14
//          cannot query F16C, LZCNT or MOVBE, nor the level itself), or AVX-512 on AMD
//          family 19h (Zen 4), which executes 512-bit operations as two 256-bit halves:
//          there v4 built code measured no faster than v3 (docs/benchmarks.md);
//   "none" neither.
#include <cstdio>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>

namespace {
/// True on AMD family 19h (Zen 3 and Zen 4; only Zen 4 has AVX-512).
bool amd_family_19h() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return false;
  char vendor[13] = {};
  std::memcpy(vendor, &b, 4);
  std::memcpy(vendor + 4, &d, 4);
  std::memcpy(vendor + 8, &c, 4);
  if (std::strcmp(vendor, "AuthenticAMD") != 0 || !__get_cpuid(1, &a, &b, &c, &d)) return false;
  unsigned family = (a >> 8) & 0xfu;
  if (family == 0xfu) family += (a >> 20) & 0xffu;
  return family == 0x19u;
}
}  // namespace
#endif

int main() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  const bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                  __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
  const bool avx512 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512vl");
  if (avx512 && amd_family_19h())
    std::puts("v3 (AVX-512 at half width: AMD family 19h)");
  else if (avx512)
    std::puts("v4 (AVX-512)");
  else
    std::puts(v3 ? "v3 (AVX2)" : "none (no AVX2 + FMA)");
#else
  std::puts("none (not x86-64)");
#endif
  return 0;
}
