#pragma once
/// \file threshold.hpp
/// Threshold activations of the ANN. stReLU (paper eq. 7): z = clip(x, -Vth, Vth), with
/// gradient 1 inside (-Vth, Vth) and 0 outside (eq. 9). Converts to dual-threshold IF
/// neurons with the same Vth.
#include <cstddef>
#include <ratio>
#include <string>

#include "../core/checks.hpp"
#include "../core/parameter.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"
#include "../neurons/if_neuron.hpp"

namespace dualspike {

/// A compile-time threshold given as a `std::ratio` (float non-type template parameters
/// are not supported by every C++20 compiler, e.g. clang < 18).
template <class R>
concept ThresholdRatio = requires {
  R::num;
  R::den;
} && (R::num > 0) && (R::den > 0);

/// Concrete stReLU over shape `S`. `v_threshold` (threshold units, > 0) starts at
/// `Vth::num / Vth::den`.
template <ShapeType S, class Vth = std::ratio<1>>
class StReLULayer {
  static_assert(ThresholdRatio<Vth>, "dualspike::StReLU: the threshold must be a std::ratio > 0, e.g. std::ratio<1, 2>");

 public:
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
  float v_threshold_ = static_cast<float>(Vth::num) / static_cast<float>(Vth::den);
};

/// Layer spec: symmetric-threshold ReLU with default threshold `Vth` (a `std::ratio`;
/// the paper uses 1). Example: `StReLU<>` (Vth = 1), `StReLU<std::ratio<1, 2>>` (0.5).
template <class Vth = std::ratio<1>>
struct StReLU {
  static_assert(ThresholdRatio<Vth>, "dualspike::StReLU: the threshold must be a std::ratio > 0, e.g. std::ratio<1, 2>");
  template <ShapeType In>
  using bind = StReLULayer<In, Vth>;
};

}  // namespace dualspike
