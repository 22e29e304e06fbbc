#pragma once
/// \file threshold_scheme.hpp
/// The two policies of the IF neuron family (if_neuron.hpp).
///
/// *Threshold schemes* say where a neuron fires, how much a spike resets and what value
/// it carries, in the units of the layer's ANN activation:
///  - `Symmetric{Vth}`: +-Vth, each spike resets and carries Vth (stReLU, paper Section 3.2);
///  - `PositiveOnly{Vth}`: +Vth only, no negative spikes (tReLU eq. 22; ReLU after data-based
///    normalization);
///  - `Asymmetric{theta_pos, theta_neg, value_pos, value_neg}`: two thresholds, each spike
///    resets by the threshold it crossed and carries its own value (atLeakyReLU eq. 21,
///    LeakyReLU after normalization; see activations/ for the values each uses).
/// With constant input I per step and no saturation, a neuron's spike count after T steps
/// is N ~ T I / theta, so rate x carried value = (I / theta) value: each scheme chooses
/// theta and value so that this is the ANN activation.
///
/// *Firing rules* say when a neuron fires:
///  - `PaperFiring` (the paper's, eqs. 3-5): at V >= theta, reset by theta. From V(0) = 0 a
///    constant input z (in units of theta, |z| <= 1) gives N = trunc(T z): the count is
///    rounded toward zero;
///  - `RoundingFiring` (beyond the paper): at V > theta / 2 (strictly), reset by theta. V
///    then stays in [-theta/2, theta/2] and N = round(T z) with ties toward zero - the
///    rounding that the paper's error analysis (eqs. 14-20) assumes (for two different
///    thresholds see `RoundingFiring`). The strict comparison is
///    the tie rule: a potential of exactly +-theta/2 does not fire, so after a spike that
///    left V at -theta/2 a zero input cannot fire the opposite spike (no +-1 oscillation).
#include <cmath>
#include <limits>
#include <string>

#include "../core/checks.hpp"
#include "if_kernel.hpp"

namespace dualspike {

/// Where and how a neuron fires, before the firing rule is applied (`fire_*` = threshold).
struct ThresholdLevels {
  float threshold_pos, threshold_neg;  ///< threshold_neg = +infinity: no negative spikes
  float value_pos, value_neg;
};

/// +-Vth; each spike resets by and carries Vth.
struct Symmetric {
  float v_threshold = 1.0f;
  static constexpr bool separate_values = false;
  [[nodiscard]] ThresholdLevels levels() const noexcept { return {v_threshold, v_threshold, v_threshold, v_threshold}; }
  /// \throws ConfigError unless v_threshold is finite and > 0.
  void validate(const std::string& prefix) const { require_positive_finite(v_threshold, (prefix + "v_threshold").c_str()); }
};

/// +Vth only (a single-threshold IF neuron): each spike resets by and carries Vth; the
/// potential may go arbitrarily negative.
struct PositiveOnly {
  float v_threshold = 1.0f;
  static constexpr bool separate_values = false;
  [[nodiscard]] ThresholdLevels levels() const noexcept {
    constexpr float none = std::numeric_limits<float>::infinity();
    return {v_threshold, none, v_threshold, none};
  }
  /// \throws ConfigError unless v_threshold is finite and > 0.
  void validate(const std::string& prefix) const { require_positive_finite(v_threshold, (prefix + "v_threshold").c_str()); }
};

/// Two thresholds and two carried values: a positive spike at +v_threshold_pos resets by
/// it and carries +value_pos; a negative spike at -v_threshold_neg resets by it and
/// carries -value_neg.
struct Asymmetric {
  float v_threshold_pos = 1.0f, v_threshold_neg = 1.0f, value_pos = 1.0f, value_neg = 1.0f;
  static constexpr bool separate_values = true;
  [[nodiscard]] ThresholdLevels levels() const noexcept { return {v_threshold_pos, v_threshold_neg, value_pos, value_neg}; }
  /// \throws ConfigError naming the first field that is not finite and > 0.
  void validate(const std::string& prefix) const {
    require_positive_finite(v_threshold_pos, (prefix + "v_threshold_pos").c_str());
    require_positive_finite(v_threshold_neg, (prefix + "v_threshold_neg").c_str());
    require_positive_finite(value_pos, (prefix + "value_pos").c_str());
    require_positive_finite(value_neg, (prefix + "value_neg").c_str());
  }
};

/// The paper's firing rule: at V >= theta (case IF-02: equality fires), reset by theta.
struct PaperFiring {
  static constexpr bool strict = false;
  [[nodiscard]] static IFKernelParams params(const ThresholdLevels& l) noexcept {
    return {l.threshold_pos, l.threshold_neg, l.threshold_pos, l.threshold_neg, l.value_pos, l.value_neg};
  }
};

/// The rounding rule: at V > theta / 2 (strictly), reset by theta; N = round(T z), ties
/// toward zero. With two different thresholds (Asymmetric) the potential must stay in an
/// interval as wide as the larger reset, or a spike on the side of the larger threshold
/// would push V past the other side's firing level (the instability of asymmetric
/// thresholds, paper Section 3.1): the side of the smaller threshold fires at half of it,
/// the other at the larger threshold minus that half.
struct RoundingFiring {
  static constexpr bool strict = true;
  [[nodiscard]] static IFKernelParams params(const ThresholdLevels& l) noexcept {
    const float pos = l.threshold_pos, neg = l.threshold_neg;
    const float fire_pos = pos <= neg ? 0.5f * pos : pos - 0.5f * neg;
    const float fire_neg = pos <= neg ? neg - 0.5f * pos : 0.5f * neg;
    return {fire_pos, fire_neg, pos, neg, l.value_pos, l.value_neg};
  }
};

}  // namespace dualspike
