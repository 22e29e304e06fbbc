#pragma once
/// \file relu.hpp
/// The unbounded activations most networks are trained with: ReLU, max(x, 0) (gradient 1
/// for x > 0, else 0, as PyTorch), and LeakyReLU, x for x > 0 and alpha x otherwise
/// (gradient 1 for x > 0, else alpha, as PyTorch). An unbounded activation has no threshold for its
/// spiking neuron, so these networks convert only through data-based normalization
/// (`to_snn(ann, DataNorm{...})`, convert/data_norm.hpp): each layer is rescaled so that a
/// statistic of its positive activations maps to the threshold 1.
#include <limits>
#include <string>

#include "../core/checks.hpp"
#include "../core/shape.hpp"
#include "leaky_clip.hpp"

namespace dualspike {

/// Concrete ReLU over shape `S`. No parameters.
template <ShapeType S>
class ReLULayer : public detail::LeakyClipActivation<ReLULayer<S>, S> {
 public:
  [[nodiscard]] LeakyClip leaky_clip() const noexcept { return {0.0f, 0.0f, std::numeric_limits<float>::infinity()}; }
  void validate(const std::string& /*prefix*/) const noexcept {}
};

/// Layer spec: `ReLU`.
struct ReLU {
  template <ShapeType In>
  using bind = ReLULayer<In>;
};

/// Concrete LeakyReLU over shape `S`; `alpha` (> 0) starts at `Alpha::num / Alpha::den`.
template <ShapeType S, class Alpha = std::ratio<1, 100>>
class LeakyReLULayer : public detail::LeakyClipActivation<LeakyReLULayer<S, Alpha>, S> {
  static_assert(ThresholdRatio<Alpha>, "dualspike::LeakyReLU: alpha must be a std::ratio > 0, e.g. std::ratio<1, 100>");

 public:
  /// \throws ConfigError if `alpha` is not finite and > 0.
  void set_alpha(float alpha) {
    require_positive_finite(alpha, "LeakyReLU.alpha");
    alpha_ = alpha;
  }
  [[nodiscard]] float alpha() const noexcept { return alpha_; }
  [[nodiscard]] LeakyClip leaky_clip() const noexcept {
    constexpr float inf = std::numeric_limits<float>::infinity();
    return {alpha_, -inf, inf};
  }
  void validate(const std::string& prefix) const { require_positive_finite(alpha_, (prefix + "alpha").c_str()); }

 private:
  float alpha_ = ratio_value<Alpha>;
};

/// Layer spec: `LeakyReLU<>` (alpha = 0.01, PyTorch's default), `LeakyReLU<std::ratio<1, 10>>`.
template <class Alpha = std::ratio<1, 100>>
struct LeakyReLU {
  static_assert(ThresholdRatio<Alpha>, "dualspike::LeakyReLU: alpha must be a std::ratio > 0, e.g. std::ratio<1, 100>");
  template <ShapeType In>
  using bind = LeakyReLULayer<In, Alpha>;
};

}  // namespace dualspike
