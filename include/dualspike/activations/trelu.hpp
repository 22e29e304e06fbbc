#pragma once
/// \file trelu.hpp
/// tReLU, threshold ReLU (paper eq. 22): z = clip(x, 0, Vth), gradient 1 inside (0, Vth)
/// and 0 outside. Its spiking counterpart (convert/) is the single-threshold IF neuron with
/// the same Vth: fires +1 at V >= Vth (spikes carry Vth), never negative.
#include <string>

#include "../core/checks.hpp"
#include "../core/shape.hpp"
#include "leaky_clip.hpp"

namespace dualspike {

/// Concrete tReLU over shape `S`; `v_threshold` (> 0) starts at `Vth::num / Vth::den`.
template <ShapeType S, class Vth = std::ratio<1>>
class TReLULayer : public detail::LeakyClipActivation<TReLULayer<S, Vth>, S> {
  static_assert(ThresholdRatio<Vth>, "dualspike::TReLU: the threshold must be a std::ratio > 0, e.g. std::ratio<1, 2>");

 public:
  /// \throws ConfigError if `v` is not finite and > 0.
  void set_v_threshold(float v) {
    require_positive_finite(v, "TReLU.v_threshold");
    v_threshold_ = v;
  }
  [[nodiscard]] float v_threshold() const noexcept { return v_threshold_; }
  [[nodiscard]] LeakyClip leaky_clip() const noexcept { return {0.0f, 0.0f, v_threshold_}; }
  void validate(const std::string& prefix) const { require_positive_finite(v_threshold_, (prefix + "v_threshold").c_str()); }

 private:
  float v_threshold_ = ratio_value<Vth>;
};

/// Layer spec: `TReLU<>` (Vth = 1), `TReLU<std::ratio<1, 2>>` (0.5).
template <class Vth = std::ratio<1>>
struct TReLU {
  static_assert(ThresholdRatio<Vth>, "dualspike::TReLU: the threshold must be a std::ratio > 0, e.g. std::ratio<1, 2>");
  template <ShapeType In>
  using bind = TReLULayer<In, Vth>;
};

}  // namespace dualspike
