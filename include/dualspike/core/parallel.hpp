#pragma once
/// \file parallel.hpp
/// `DUALSPIKE_OMP(directive)`: an OpenMP pragma that exists only when the translation unit
/// is compiled with OpenMP (`_OPENMP`), so a consumer built without it and with `-Wall`
/// gets no `-Wunknown-pragmas` warnings from dualspike's headers. Everything runs serially
/// then. Usage: `DUALSPIKE_OMP(parallel for schedule(static) if (n > 64))`.
///
/// `kParallelValues`: the number of values from which an elementwise or per-channel pass
/// of a layer (BatchNorm, the activations) is spread over OpenMP threads; below it the
/// cost of waking a team exceeds the work.
#include <cstddef>

namespace dualspike {
inline constexpr std::ptrdiff_t kParallelValues = std::ptrdiff_t{1} << 16;
}  // namespace dualspike

#define DUALSPIKE_OMP_STRINGIFY(...) #__VA_ARGS__
#if defined(_OPENMP)
#define DUALSPIKE_OMP(...) _Pragma(DUALSPIKE_OMP_STRINGIFY(omp __VA_ARGS__))
#else
#define DUALSPIKE_OMP(...)
#endif
