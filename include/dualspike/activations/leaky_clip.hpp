#pragma once
/// \file leaky_clip.hpp
/// The piecewise-linear shape shared by every activation of the paper's family (stReLU,
/// tReLU, atLeakyReLU, ReLU, LeakyReLU):
///     f(x) = clamp(x > 0 ? x : alpha * x, lo, hi),
/// with gradient 1 where 0 < x < hi, alpha where x <= 0 and alpha * x > lo, and 0 where
/// the output is clipped (the bounds themselves count as clipped, as in eq. 9). Written once
/// here; each activation header says which (alpha, lo, hi) it is.
#include <cstddef>
#include <ratio>
#include <string>

#include "../core/checks.hpp"
#include "../core/parallel.hpp"
#include "../core/parameter.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"

namespace dualspike {

/// A compile-time positive constant given as a `std::ratio` (thresholds, slopes). Float
/// non-type template parameters are not supported by every C++20 compiler (clang < 18).
template <class R>
concept ThresholdRatio = requires {
  R::num;
  R::den;
} && (R::num > 0) && (R::den > 0);

/// `R` as a float.
template <class R>
inline constexpr float ratio_value = static_cast<float>(R::num) / static_cast<float>(R::den);

/// The (alpha, lo, hi) of one activation: f(x) = clamp(x > 0 ? x : alpha x, lo, hi).
struct LeakyClip {
  float alpha;  ///< slope of the negative side (0: none, 1: the identity)
  float lo;     ///< lower bound of the output (-infinity: none)
  float hi;     ///< upper bound of the output (+infinity: none)
};

namespace detail {
/// The ANN-side contract of an activation of the family, written once: `Derived` provides
/// `LeakyClip leaky_clip() const` and `validate(prefix)`. No parameters, no MACs.
/// Shapes: input and output `S::size x batch`.
template <class Derived, ShapeType S>
class LeakyClipActivation {
 public:
  using input_shape = S;
  using output_shape = S;

  /// y = clamp(x > 0 ? x : alpha x, lo, hi) elementwise; samples spread over OpenMP
  /// threads for large batches.
  void forward(const Matrix& x, Matrix& y) const {
    const LeakyClip p = self().leaky_clip();
    y.resize(x.rows(), x.cols());
    DUALSPIKE_OMP(parallel for schedule(static) if (x.size() >= kParallelValues))
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      const auto xa = x.col(j).array();
      if (p.alpha == 1.0f)
        y.col(j) = xa.max(p.lo).min(p.hi).matrix();
      else
        y.col(j) = (xa > 0.0f).select(xa, p.alpha * xa).max(p.lo).min(p.hi).matrix();
    }
  }

  /// dx = f'(x) dy elementwise (see the file comment). `dx` may be `&dy`. No parameters.
  void backward(const Matrix& x, const Matrix& /*y*/, const Matrix& dy, Matrix* dx, Derived& /*grad*/) const {
    if (dx == nullptr) return;
    const LeakyClip p = self().leaky_clip();
    dx->resize(x.rows(), x.cols());
    DUALSPIKE_OMP(parallel for schedule(static) if (x.size() >= kParallelValues))
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      const auto xa = x.col(j).array();
      const auto ga = dy.col(j).array();
      if (p.alpha == 1.0f)
        dx->col(j) = (xa > p.lo && xa < p.hi).select(ga, 0.0f).matrix();
      else
        dx->col(j) =
            (xa > 0.0f && xa < p.hi).select(ga, (xa <= 0.0f && p.alpha * xa > p.lo).select(p.alpha * ga, 0.0f)).matrix();
    }
  }

  void init(Rng& /*rng*/) noexcept {}
  void append_parameters(ParameterList& /*list*/, const std::string& /*prefix*/) noexcept {}
  [[nodiscard]] static constexpr std::size_t macs() noexcept { return 0; }

 private:
  [[nodiscard]] const Derived& self() const noexcept { return static_cast<const Derived&>(*this); }
};

/// The threshold of an activation with one (stReLU, tReLU, atLeakyReLU): `v_threshold`
/// (> 0, in units of the pre-activation) starts at `Vth::num / Vth::den`; `Derived::name`
/// names it in errors.
template <class Derived, ShapeType S, class Vth>
class ThresholdedActivation : public LeakyClipActivation<Derived, S> {
 public:
  /// \throws ConfigError if `v` is not finite and > 0.
  void set_v_threshold(float v) {
    require_positive_finite(v, (std::string(Derived::name) + ".v_threshold").c_str());
    v_threshold_ = v;
  }
  [[nodiscard]] float v_threshold() const noexcept { return v_threshold_; }
  void validate(const std::string& prefix) const { require_positive_finite(v_threshold_, (prefix + "v_threshold").c_str()); }

 private:
  float v_threshold_ = ratio_value<Vth>;
};
}  // namespace detail

}  // namespace dualspike
