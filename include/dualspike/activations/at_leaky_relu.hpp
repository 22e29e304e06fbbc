#pragma once
/// \file at_leaky_relu.hpp
/// atLeakyReLU, asymmetric-threshold LeakyReLU (paper eq. 21, with a positive threshold
/// Vth; the paper's is 1):
///     f(x) = Vth             for x >= Vth
///            x               for 0 <= x < Vth
///            alpha x         for -Vth / alpha^2 < x < 0
///            -Vth / alpha    for x <= -Vth / alpha^2,
/// gradient 1 on (0, Vth), alpha on (-Vth / alpha^2, 0], 0 where clipped.
///
/// Spiking counterpart (convert/), derived so that rate x carried value reproduces f as T
/// grows: a neuron with constant input x per step (no saturation) fires N ~ T x / theta
/// spikes of threshold theta, and its output is (N / T) x value = x value / theta.
///  - positive side: f = x, so value / theta = 1: theta_pos = value_pos = Vth, saturating at
///    rate 1 (x >= Vth), f = Vth;
///  - negative side: f = alpha x, so value_neg / theta_neg = alpha; saturation (rate 1) at
///    x = -theta_neg must give f = -value_neg = -Vth / alpha, hence value_neg = Vth / alpha
///    and theta_neg = Vth / alpha^2.
/// So: fire +1 at V >= Vth (reset by Vth, carries +Vth), fire -1 at V <= -Vth / alpha^2
/// (reset by Vth / alpha^2, carries -Vth / alpha). With alpha = 1 this is stReLU.
///
/// The paper does not state alpha. The default is 0.1: the negative threshold is
/// Vth / alpha^2, so with PyTorch's LeakyReLU default of 0.01 a neuron whose
/// pre-activation is -Vth would need 10,000 steps before its first negative spike, and at
/// every latency the paper reports (<= 808) the negative side would hardly take part; with
/// 0.1 it needs 100 steps, within the paper's atLeakyReLU latencies (373, 808).
#include <string>

#include "../core/checks.hpp"
#include "../core/shape.hpp"
#include "leaky_clip.hpp"

namespace dualspike {

/// Concrete atLeakyReLU over shape `S`: `alpha` (> 0) starts at `Alpha::num / Alpha::den`,
/// `v_threshold` (> 0) at `Vth::num / Vth::den`.
template <ShapeType S, class Alpha = std::ratio<1, 10>, class Vth = std::ratio<1>>
class AtLeakyReLULayer : public detail::ThresholdedActivation<AtLeakyReLULayer<S, Alpha, Vth>, S, Vth> {
  static_assert(ThresholdRatio<Alpha> && ThresholdRatio<Vth>,
                "dualspike::AtLeakyReLU: alpha and the threshold must be std::ratio > 0, e.g. std::ratio<1, 10>");
  using base = detail::ThresholdedActivation<AtLeakyReLULayer<S, Alpha, Vth>, S, Vth>;

 public:
  static constexpr const char* name = "AtLeakyReLU";
  /// \throws ConfigError if `alpha` is not finite and > 0.
  void set_alpha(float alpha) {
    require_positive_finite(alpha, "AtLeakyReLU.alpha");
    alpha_ = alpha;
  }
  [[nodiscard]] float alpha() const noexcept { return alpha_; }
  [[nodiscard]] LeakyClip leaky_clip() const noexcept {
    return {alpha_, -this->v_threshold() / alpha_, this->v_threshold()};
  }
  void validate(const std::string& prefix) const {
    base::validate(prefix);
    require_positive_finite(alpha_, (prefix + "alpha").c_str());
  }

 private:
  float alpha_ = ratio_value<Alpha>;
};

/// Layer spec: `AtLeakyReLU<>` (alpha = 0.1, Vth = 1), `AtLeakyReLU<std::ratio<1, 4>>`.
template <class Alpha = std::ratio<1, 10>, class Vth = std::ratio<1>>
struct AtLeakyReLU {
  static_assert(ThresholdRatio<Alpha> && ThresholdRatio<Vth>,
                "dualspike::AtLeakyReLU: alpha and the threshold must be std::ratio > 0, e.g. std::ratio<1, 10>");
  template <ShapeType In>
  using bind = AtLeakyReLULayer<In, Alpha, Vth>;
};

}  // namespace dualspike
