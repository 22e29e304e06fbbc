#pragma once
/// \file threshold.hpp
/// Threshold activations of the ANN. stReLU (paper eq. 7): z = clip(x, -Vth, Vth), with
/// gradient 1 inside (-Vth, Vth) and 0 outside (eq. 9). Converts to dual-threshold IF
/// neurons with the same Vth.
#include <cstddef>
#include <string>

#include "../core/checks.hpp"
#include "../core/parameter.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"
#include "../neurons/if_neuron.hpp"

namespace dualspike {

/// Concrete stReLU over shape `S`. `v_threshold` (threshold units, > 0) starts at `Vth`.
template <ShapeType S, float Vth>
class StReLULayer {
 public:
  static_assert(Vth > 0.0f, "dualspike::StReLU: the threshold Vth must be > 0");
  using input_shape = S;
  using output_shape = S;

  /// \throws ConfigError if `v` is not finite and > 0.
  void set_v_threshold(float v) {
    require_positive_finite(v, "StReLU.v_threshold");
    v_threshold_ = v;
  }
  [[nodiscard]] float v_threshold() const noexcept { return v_threshold_; }

  /// z = clip(x, -Vth, Vth) elementwise (eq. 7).
  void forward(const Matrix& x, Matrix& y) const { y = x.cwiseMax(-v_threshold_).cwiseMin(v_threshold_); }

  /// dx = dy where -Vth < x < Vth, else 0 (eq. 9). No parameters.
  void backward(const Matrix& x, const Matrix& /*y*/, const Matrix& dy, Matrix* dx, StReLULayer& /*grad*/) const {
    if (dx == nullptr) return;
    const float t = v_threshold_;
    *dx = (x.array() > -t && x.array() < t).select(dy, 0.0f);
  }

  void init(Rng& /*rng*/) noexcept {}
  void append_parameters(ParameterList& /*list*/, const std::string& /*prefix*/) noexcept {}
  void validate(const std::string& prefix) const { require_positive_finite(v_threshold_, (prefix + "v_threshold").c_str()); }
  [[nodiscard]] static constexpr std::size_t macs() noexcept { return 0; }

  using snn_type = DualThresholdIF<S>;
  /// Dual-threshold IF neurons with the same threshold.
  [[nodiscard]] snn_type to_snn() const { return snn_type(v_threshold_); }

 private:
  float v_threshold_ = Vth;
};

/// Layer spec: symmetric-threshold ReLU with default threshold `Vth` (paper: 1).
template <float Vth = 1.0f>
struct StReLU {
  static_assert(Vth > 0.0f, "dualspike::StReLU: the threshold Vth must be > 0");
  template <ShapeType In>
  using bind = StReLULayer<In, Vth>;
};

}  // namespace dualspike
