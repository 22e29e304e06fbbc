#pragma once
/// \file strelu.hpp
/// stReLU (paper eq. 7): z = clip(x, -Vth, Vth), gradient 1 inside (-Vth, Vth) and 0
/// outside (eq. 9). Its spiking counterpart (convert/) is the symmetric dual-threshold IF
/// neuron with the same Vth: fires +1 at V >= Vth and -1 at V <= -Vth, each spike carrying
/// Vth, so rate x Vth approaches clip(x, -Vth, Vth) as T grows (eqs. 10-15).
#include <string>

#include "../core/shape.hpp"
#include "leaky_clip.hpp"

namespace dualspike {

/// Concrete stReLU over shape `S`. `v_threshold` (> 0, in units of the pre-activation)
/// starts at `Vth::num / Vth::den`.
template <ShapeType S, class Vth = std::ratio<1>>
class StReLULayer : public detail::ThresholdedActivation<StReLULayer<S, Vth>, S, Vth> {
  static_assert(ThresholdRatio<Vth>, "dualspike::StReLU: the threshold must be a std::ratio > 0, e.g. std::ratio<1, 2>");

 public:
  static constexpr const char* name = "StReLU";
  [[nodiscard]] LeakyClip leaky_clip() const noexcept { return {1.0f, -this->v_threshold(), this->v_threshold()}; }
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
