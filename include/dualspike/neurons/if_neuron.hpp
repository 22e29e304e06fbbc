#pragma once
/// \file if_neuron.hpp
/// Integrate-and-fire neuron layers of the converted SNN (paper eqs. 3-5, 10): soft reset
/// (reset by subtraction), `V(0) = 0`, at most one spike per time step. Parameters only;
/// the membrane potential is per-run state owned by the caller (`state_type`), so one
/// const network serves many threads.
#include <cstddef>
#include <limits>
#include <string>

#include "../core/checks.hpp"
#include "../core/errors.hpp"
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

  /// `count` time steps at once (time-blocked evaluation, `SpikingSequential::run`):
  /// `current` holds step t's current of the `v.cols()` samples in columns
  /// [t * batch, (t + 1) * batch), or only `batch` columns for a current that is the same at
  /// every step (the constant input current); `out` (`S::size x (count * batch)`) receives
  /// `Vth * spike` of every step in the same layout. `out` must not be `current`.
  /// \throws ShapeError if `current` is not `S::size x batch` or `S::size x (count * batch)`.
  void steps(const Matrix& current, state_type& v, Matrix& out, Eigen::Index count) const {
    if (current.rows() != v.rows() || (current.cols() != v.cols() && current.cols() != v.cols() * count))
      throw ShapeError("DualThresholdIF::steps: current is " + std::to_string(current.rows()) + " x " +
                       std::to_string(current.cols()) + ", expected " + std::to_string(v.rows()) + " x " +
                       std::to_string(v.cols()) + " or x " + std::to_string(v.cols() * count) + " (" +
                       std::to_string(count) + " steps)");
    const auto n = static_cast<std::size_t>(v.size());
    out.resize(v.rows(), v.cols() * count);
    const bool constant = current.cols() == v.cols();
    for (Eigen::Index t = 0; t < count; ++t)
      if_step(v.data(), current.data() + (constant ? 0 : static_cast<std::size_t>(t) * n),
              out.data() + static_cast<std::size_t>(t) * n, n, v_threshold_, v_threshold_);
  }

 private:
  float v_threshold_;
};

}  // namespace dualspike
