#pragma once
/// \file if_neuron.hpp
/// Integrate-and-fire neuron layers of the converted SNN (paper eqs. 3-5, 10): soft reset
/// (reset by subtraction), `V(0) = 0`, at most one spike per time step. Parameters only;
/// the membrane potential is per-run state owned by the caller (`state_type`), so one
/// const network serves many threads.
#include <cstddef>
#include <limits>

#include "../core/checks.hpp"
#include "../core/shape.hpp"
#include "if_kernel.hpp"

namespace dualspike {

/// Dual-threshold IF neurons (the spiking counterpart of stReLU, paper Section 3.2):
/// fires +1 when `V >= v_threshold`, -1 when `V <= -v_threshold`. Shape `S` is kept so the
/// next layer's input is known at compile time.
template <ShapeType S>
class DualThresholdIF {
 public:
  using input_shape = S;
  using output_shape = S;
  /// Membrane potential, `S::size x batch` (threshold units).
  using state_type = Matrix;

  /// \throws ConfigError if `v_threshold` is not finite and > 0.
  explicit DualThresholdIF(float v_threshold = 1.0f) : v_threshold_(v_threshold) {
    require_positive_finite(v_threshold, "DualThresholdIF.v_threshold");
  }

  [[nodiscard]] float v_threshold() const noexcept { return v_threshold_; }

  /// Sets V(0) = 0 for `batch` samples.
  void reset_state(state_type& v, Eigen::Index batch) const { v.setZero(static_cast<Eigen::Index>(S::size), batch); }

  /// One time step: `current` (`S::size x batch`) is integrated into `v`; `out` receives
  /// `Vth * spike` (spike in {-1, 0, 1}). `out` may be the same object as `current`.
  void step(const Matrix& current, state_type& v, Matrix& out) const noexcept {
    if (&out != &current) out.resize(current.rows(), current.cols());
    if_step(v.data(), current.data(), out.data(), static_cast<std::size_t>(current.size()), v_threshold_,
            v_threshold_);
  }

 private:
  float v_threshold_;
};

}  // namespace dualspike
