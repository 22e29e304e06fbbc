#pragma once
/// \file strelu.hpp
/// stReLU (paper eq. 7): z = clip(x, -Vth, Vth), gradient 1 inside (-Vth, Vth) and 0
/// outside (eq. 9). Its spiking counterpart (convert/) is the symmetric dual-threshold IF
/// neuron with the same Vth: fires +1 at V >= Vth and -1 at V <= -Vth, each spike carrying
/// Vth, so rate x Vth approaches clip(x, -Vth, Vth) as T grows (eqs. 10-15).
#include <string>

#include "../core/checks.hpp"
#include "../core/shape.hpp"
#include "leaky_clip.hpp"

namespace dualspike {

/// Concrete stReLU over shape `S`. `v_threshold` (> 0, in units of the pre-activation)
/// starts at `Vth::num / Vth::den`.
template <ShapeType S, class Vth = std::ratio<1>>
class StReLULayer : public detail::LeakyClipActivation<StReLULayer<S, Vth>, S> {
  static_assert(ThresholdRatio<Vth>, "dualspike::StReLU: the threshold must be a std::ratio > 0, e.g. std::ratio<1, 2>");

 public:
  /// \throws ConfigError if `v` is not finite and > 0.
  void set_v_threshold(float v) {
    require_positive_finite(v, "StReLU.v_threshold");
    v_threshold_ = v;
  }
  [[nodiscard]] float v_threshold() const noexcept { return v_threshold_; }
  [[nodiscard]] LeakyClip leaky_clip() const noexcept { return {1.0f, -v_threshold_, v_threshold_}; }
  void validate(const std::string& prefix) const { require_positive_finite(v_threshold_, (prefix + "v_threshold").c_str()); }

 private:
  float v_threshold_ = ratio_value<Vth>;
};

/// Layer spec: symmetric-threshold ReLU with default threshold `Vth` (a `std::ratio`; the
/// paper uses 1). Example: `StReLU<>` (Vth = 1), `StReLU<std::ratio<1, 2>>` (0.5).
template <class Vth = std::ratio<1>>
struct StReLU {
  static_assert(ThresholdRatio<Vth>, "dualspike::StReLU: the threshold must be a std::ratio > 0, e.g. std::ratio<1, 2>");
  template <ShapeType In>
  using bind = StReLULayer<In, Vth>;
};

}  // namespace dualspike
