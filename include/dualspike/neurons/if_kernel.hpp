#pragma once
/// \file if_kernel.hpp
/// The integrate-and-fire membrane update, written once: a scalar reference and an xsimd
/// kernel that produce bit-identical results. Paper eqs. 3-5 with dual thresholds
/// (Section 3.2): each time step
///     V += I;  V >= Vth -> spike +1, V -= Vth;  else V <= -Vth -> spike -1, V += Vth.
/// At most one spike per step; the emitted value is `spike * Vth` (a spike carries the
/// threshold of the layer that fired it). Units: V, I and Vth in threshold units of the
/// layer (the same units as the ANN activation).
#include <cstddef>

#include <xsimd/xsimd.hpp>

namespace dualspike {

/// Scalar reference for one neuron and one time step. Updates `v` in place and returns
/// the spike in {-1, 0, +1}. `v_neg` is the negative threshold's magnitude (= `v_pos` for
/// the symmetric stReLU neuron; +infinity disables negative spikes, i.e. a single-threshold
/// IF neuron).
inline float if_step_scalar(float& v, float current, float v_pos, float v_neg) noexcept {
  v += current;
  float spike = 0.0f;
  if (v >= v_pos) {
    spike = 1.0f;
    v -= v_pos;
  } else if (v <= -v_neg) {
    spike = -1.0f;
    v += v_neg;
  }
  return spike;
}

/// Vectorized IF step over `n` neurons (any alignment; `n % batch::size` tail handled by
/// the scalar reference). Reads `current[i]`, updates `v[i]`, writes `out[i]` = the value
/// carried by the spike (+v_pos, -v_neg or 0). `out` may alias `current`. Allocation-free.
template <class Arch = xsimd::default_arch>
void if_step(float* v, const float* current, float* out, std::size_t n, float v_pos, float v_neg) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t width = batch::size;
  const std::size_t vec_end = n - n % width;
  const batch pos(v_pos), neg(-v_neg), zero(0.0f);
  for (std::size_t i = 0; i < vec_end; i += width) {
    batch vi = batch::load_unaligned(v + i) + batch::load_unaligned(current + i);
    const auto fire_pos = vi >= pos;
    const auto fire_neg = vi <= neg;  // disjoint from fire_pos since v_pos, v_neg > 0
    const batch carried = xsimd::select(fire_pos, pos, xsimd::select(fire_neg, neg, zero));
    vi -= carried;
    vi.store_unaligned(v + i);
    carried.store_unaligned(out + i);
  }
  for (std::size_t i = vec_end; i < n; ++i) {
    const float s = if_step_scalar(v[i], current[i], v_pos, v_neg);
    out[i] = s > 0 ? v_pos : (s < 0 ? -v_neg : 0.0f);
  }
}

}  // namespace dualspike
