#pragma once
/// \file if_neuron.hpp
/// Integrate-and-fire neuron layers of the converted SNN (paper eqs. 3-5, 10): one class
/// template for the whole family, with the threshold scheme and the firing rule as policies
/// (threshold_scheme.hpp). Soft reset (reset by subtraction), `V(0) = 0`, at most one spike
/// per time step. Parameters only; the membrane potential is per-run state owned by the
/// caller (`state_type`), so one const network serves many threads.
///
/// Charge is conserved: after T steps from V(0),
///     reset_pos * N_pos - reset_neg * N_neg + V(T) = V(0) + sum_t I(t),
/// with N_pos / N_neg the positive / negative spike counts (exact for dyadic inputs).
#include <cstddef>
#include <string>

#include "../core/checks.hpp"
#include "../core/errors.hpp"
#include "../core/shape.hpp"
#include "../network/spiking_layer.hpp"
#include "if_kernel.hpp"
#include "threshold_scheme.hpp"

namespace dualspike {

/// IF neurons over shape `S` with threshold scheme `Scheme` (Symmetric, PositiveOnly,
/// Asymmetric) and firing rule `Firing` (PaperFiring, RoundingFiring). Shape `S` is kept so
/// the next layer's input is known at compile time. Activations: `S::size x batch`.
template <ShapeType S, class Scheme = Symmetric, class Firing = PaperFiring>
class IFNeurons {
 public:
  using input_shape = S;
  using output_shape = S;
  using scheme_type = Scheme;
  using firing_type = Firing;
  using spiking_role = neuron_role;
  /// `steps` runs a block of time steps at once.
  static constexpr bool time_blocks = true;
  /// Membrane potential, `S::size x batch` (units of the layer's ANN pre-activation).
  using state_type = Matrix;

  /// \throws ConfigError naming the first threshold or value that is not finite and > 0.
  explicit IFNeurons(const Scheme& scheme = {}) : scheme_(scheme), params_(Firing::params(scheme.levels())) {
    scheme_.validate("IFNeurons.");
  }
  /// A scheme with a single threshold (Symmetric, PositiveOnly) from its value.
  /// \throws ConfigError if `v_threshold` is not finite and > 0.
  explicit IFNeurons(float v_threshold)
    requires requires(Scheme s) { s.v_threshold; }
      : IFNeurons(Scheme{v_threshold}) {}

  [[nodiscard]] const Scheme& scheme() const noexcept { return scheme_; }
  /// The threshold of a single-threshold scheme.
  [[nodiscard]] float v_threshold() const noexcept
    requires requires(Scheme s) { s.v_threshold; }
  {
    return scheme_.v_threshold;
  }
  /// The firing levels, resets and carried values the kernel uses.
  [[nodiscard]] const IFKernelParams& kernel_params() const noexcept { return params_; }

  /// Starts a run: V(0) = 0 for `batch` samples.
  void begin(state_type& v, Eigen::Index batch) const { v.setZero(static_cast<Eigen::Index>(S::size), batch); }

  /// One time step: `current` (`S::size x batch`) is integrated into `v`; `out` receives the
  /// value each spike carries (0 where none). `out` may be the same object as `current`.
  void step(const Matrix& current, state_type& v, Matrix& out) const noexcept {
    if (&out != &current) out.resize(current.rows(), current.cols());
    kernel(v.data(), current.data(), out.data(), static_cast<std::size_t>(current.size()));
  }

  /// `count` time steps at once (time-blocked evaluation): `current` holds step t's current
  /// of the `v.cols()` samples in columns [t * batch, (t + 1) * batch), or only `batch`
  /// columns for a current that is the same at every step (the constant input current);
  /// `out` (`S::size x (count * batch)`) receives step t's carried values in the same
  /// layout. `out` must not be `current`.
  /// \throws ShapeError if `current` is not `S::size x batch` or `S::size x (count * batch)`.
  void steps(const Matrix& current, state_type& v, Matrix& out, Eigen::Index count) const {
    if (current.rows() != v.rows() || (current.cols() != v.cols() && current.cols() != v.cols() * count))
      throw ShapeError("IFNeurons::steps: current is " + std::to_string(current.rows()) + " x " +
                       std::to_string(current.cols()) + ", expected " + std::to_string(v.rows()) + " x " +
                       std::to_string(v.cols()) + " or x " + std::to_string(v.cols() * count) + " (" +
                       std::to_string(count) + " steps)");
    const auto n = static_cast<std::size_t>(v.size());
    out.resize(v.rows(), v.cols() * count);
    const bool constant = current.cols() == v.cols();
    for (Eigen::Index t = 0; t < count; ++t)
      kernel(v.data(), current.data() + (constant ? 0 : static_cast<std::size_t>(t) * n),
             out.data() + static_cast<std::size_t>(t) * n, n);
  }

 private:
  void kernel(float* v, const float* current, float* out, std::size_t n) const noexcept {
    if_step<Firing::strict, Scheme::separate_values>(v, current, out, n, params_);
  }

  Scheme scheme_;
  IFKernelParams params_;
};

/// The paper's dual-threshold IF neuron (the spiking counterpart of stReLU, Section 3.2):
/// fires +1 when `V >= v_threshold`, -1 when `V <= -v_threshold`.
template <ShapeType S>
using DualThresholdIF = IFNeurons<S, Symmetric, PaperFiring>;

}  // namespace dualspike
