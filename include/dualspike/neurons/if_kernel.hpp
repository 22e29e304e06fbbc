#pragma once
/// \file if_kernel.hpp
/// The integrate-and-fire membrane update, written once for every neuron of the family
/// (neurons/if_neuron.hpp): a scalar reference and an xsimd kernel that produce
/// bit-identical results. Each time step (paper eqs. 3-5, soft reset):
///     V += I;
///     V >= fire_pos  -> spike +1, V -= reset_pos, the spike carries +value_pos;
///     else V <= -fire_neg -> spike -1, V += reset_neg, the spike carries -value_neg;
/// with `>` / `<` instead of `>=` / `<=` for a strict comparison (the rounding neuron's
/// tie rule, threshold_scheme.hpp). At most one spike per step. `fire_neg = +infinity`
/// disables negative spikes (a single-threshold IF neuron). Units: V, I and the
/// thresholds in the units of the layer's ANN pre-activation.
#include <cstddef>
#include <limits>

#include <xsimd/xsimd.hpp>

namespace dualspike {

/// The six numbers of one IF layer's update (all finite and > 0, except `fire_neg`, which
/// may be +infinity). The paper's symmetric neuron: every field = Vth.
struct IFKernelParams {
  float fire_pos = 1.0f;   ///< a positive spike when V reaches it
  float fire_neg = 1.0f;   ///< a negative spike when V reaches -fire_neg
  float reset_pos = 1.0f;  ///< subtracted from V by a positive spike (soft reset)
  float reset_neg = 1.0f;  ///< added to V by a negative spike
  float value_pos = 1.0f;  ///< the value a positive spike carries to the next layer
  float value_neg = 1.0f;  ///< the magnitude of the value a negative spike carries
};

/// Scalar reference for one neuron and one time step. Updates `v` in place and returns
/// the spike in {-1, 0, +1}. `Strict`: fire only when V passes the firing level.
template <bool Strict = false>
inline float if_step_scalar(float& v, float current, const IFKernelParams& p) noexcept {
  v += current;
  const bool pos = Strict ? v > p.fire_pos : v >= p.fire_pos;
  const bool neg = Strict ? v < -p.fire_neg : v <= -p.fire_neg;
  if (pos) {
    v -= p.reset_pos;
    return 1.0f;
  }
  if (neg) {
    v += p.reset_neg;
    return -1.0f;
  }
  return 0.0f;
}

/// The paper's symmetric (or, with `v_neg = +infinity`, single-threshold) neuron: fires at
/// `V >= v_pos` / `V <= -v_neg` and resets by the threshold it crossed.
inline float if_step_scalar(float& v, float current, float v_pos, float v_neg) noexcept {
  return if_step_scalar<false>(v, current, {v_pos, v_neg, v_pos, v_neg, v_pos, v_neg});
}

/// Vectorized IF step over `n` neurons (any alignment; the `n % batch::size` tail runs the
/// scalar reference). Reads `current[i]`, updates `v[i]`, writes `out[i]` = the value the
/// spike carries (+value_pos, -value_neg or 0). `out` may alias `current`.
/// `SeparateValues = false` requires value_pos == reset_pos and value_neg == reset_neg
/// (the spike carries what it resets; one select fewer). Allocation-free.
template <bool Strict = false, bool SeparateValues = true, class Arch = xsimd::default_arch>
void if_step(float* v, const float* current, float* out, std::size_t n, const IFKernelParams& p) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t width = batch::size;
  const std::size_t vec_end = n - n % width;
  const batch fire_pos(p.fire_pos), fire_neg(-p.fire_neg), reset_pos(p.reset_pos), reset_neg(-p.reset_neg),
      zero(0.0f);
  [[maybe_unused]] const batch value_pos(p.value_pos), value_neg(-p.value_neg);
  for (std::size_t i = 0; i < vec_end; i += width) {
    batch vi = batch::load_unaligned(v + i) + batch::load_unaligned(current + i);
    const auto pos = Strict ? vi > fire_pos : vi >= fire_pos;
    const auto neg = Strict ? vi < fire_neg : vi <= fire_neg;  // disjoint from pos: both levels are > 0
    const batch reset = xsimd::select(pos, reset_pos, xsimd::select(neg, reset_neg, zero));
    vi -= reset;
    vi.store_unaligned(v + i);
    if constexpr (SeparateValues)
      xsimd::select(pos, value_pos, xsimd::select(neg, value_neg, zero)).store_unaligned(out + i);
    else
      reset.store_unaligned(out + i);
  }
  for (std::size_t i = vec_end; i < n; ++i) {
    const float s = if_step_scalar<Strict>(v[i], current[i], p);
    out[i] = s > 0 ? p.value_pos : (s < 0 ? -p.value_neg : 0.0f);
  }
}

/// The paper's symmetric neuron (`v_neg = v_pos`), or a single-threshold one
/// (`v_neg = +infinity`): fires at `V >= v_pos` / `V <= -v_neg`, resets by that threshold
/// and carries it.
template <class Arch = xsimd::default_arch>
void if_step(float* v, const float* current, float* out, std::size_t n, float v_pos, float v_neg) noexcept {
  if_step<false, false, Arch>(v, current, out, n, {v_pos, v_neg, v_pos, v_neg, v_pos, v_neg});
}

}  // namespace dualspike
