#pragma once
/// \file trelu.hpp
/// tReLU, threshold ReLU (paper eq. 22): z = clip(x, 0, Vth), gradient 1 inside (0, Vth)
/// and 0 outside. Its spiking counterpart (convert/) is the single-threshold IF neuron with
/// the same Vth: fires +1 at V >= Vth (spikes carry Vth), never negative.
#include <string>

#include "../core/shape.hpp"
#include "leaky_clip.hpp"

namespace dualspike {

/// Concrete tReLU over shape `S`; `v_threshold` (> 0) starts at `Vth::num / Vth::den`.
template <ShapeType S, class Vth = std::ratio<1>>
class TReLULayer : public detail::ThresholdedActivation<TReLULayer<S, Vth>, S, Vth> {
  static_assert(ThresholdRatio<Vth>, "dualspike::TReLU: the threshold must be a std::ratio > 0, e.g. std::ratio<1, 2>");

 public:
  static constexpr const char* name = "TReLU";
  [[nodiscard]] LeakyClip leaky_clip() const noexcept { return {0.0f, 0.0f, this->v_threshold()}; }
};

/// Layer spec: `TReLU<>` (Vth = 1), `TReLU<std::ratio<1, 2>>` (0.5).
template <class Vth = std::ratio<1>>
struct TReLU {
  static_assert(ThresholdRatio<Vth>, "dualspike::TReLU: the threshold must be a std::ratio > 0, e.g. std::ratio<1, 2>");
  template <ShapeType In>
  using bind = TReLULayer<In, Vth>;
};

}  // namespace dualspike
