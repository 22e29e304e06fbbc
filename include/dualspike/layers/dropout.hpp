#pragma once
/// \file dropout.hpp
/// Dropout (PyTorch `nn.Dropout`): in training, zeroes each activation with probability
/// p and scales the survivors by 1/(1-p); in inference, the identity. The converted SNN
/// has no such layer: `to_snn` drops it, as the ANN's inference ignores it.
#include <cstddef>
#include <ratio>
#include <string>

#include "../core/checks.hpp"
#include "../core/parameter.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"

namespace dualspike {

/// Concrete dropout over shape `S`; the drop probability starts at `P::num / P::den` and
/// can be changed at run time with `set_probability` (in [0, 1)).
template <ShapeType S, class P>
class DropoutLayer {
  static_assert(P::num >= 0 && P::den > 0 && P::num < P::den,
                "dualspike::Dropout: the drop probability must be a std::ratio in [0, 1)");

 public:
  using input_shape = S;
  using output_shape = S;

  /// \throws ConfigError unless 0 <= p < 1.
  void set_probability(float p) {
    require_unit_interval(p, "Dropout.p");
    p_ = p;
  }
  [[nodiscard]] float probability() const noexcept { return p_; }

  /// Inference: y = x.
  void forward(const Matrix& x, Matrix& y) const { y = x; }

  /// Training: draws a mask into `cache` (0 or 1/(1-p) per entry) and assigns y = x .* mask.
  void forward_train(const Matrix& x, Matrix& y, Matrix& cache, Rng& rng) const {
    cache.resize(x.rows(), x.cols());
    const float keep_scale = 1.0f / (1.0f - p_);
    for (Eigen::Index i = 0; i < cache.size(); ++i) cache.data()[i] = rng.uniform(0.0f, 1.0f) < p_ ? 0.0f : keep_scale;
    y = x.cwiseProduct(cache);
  }

  /// dx = dy .* mask, with the mask of the latest `forward_train` (in `cache`);
  /// coefficient-wise, so `dx` may be `&dy`.
  void backward(const Matrix& /*x*/, const Matrix& /*y*/, const Matrix& dy, Matrix* dx, DropoutLayer& /*grad*/,
                const Matrix& cache) const {
    if (dx != nullptr) *dx = dy.cwiseProduct(cache);
  }
  /// Backward of the inference forward (identity); `dx` may be `&dy`.
  void backward(const Matrix& /*x*/, const Matrix& /*y*/, const Matrix& dy, Matrix* dx, DropoutLayer& /*grad*/) const {
    if (dx != nullptr) *dx = dy;
  }

  void init(Rng& /*rng*/) noexcept {}
  void append_parameters(ParameterList& /*list*/, const std::string& /*prefix*/) noexcept {}
  void validate(const std::string& prefix) const {
    require_unit_interval(p_, prefix + "p");
  }
  [[nodiscard]] static constexpr std::size_t macs() noexcept { return 0; }


 private:
  float p_ = static_cast<float>(P::num) / static_cast<float>(P::den);
};

/// Layer spec: dropout with drop probability `P` (a std::ratio), e.g.
/// `Dropout<std::ratio<1, 5>>` for p = 0.2.
template <class P = std::ratio<1, 2>>
struct Dropout {
  template <ShapeType In>
  using bind = DropoutLayer<In, P>;
};

}  // namespace dualspike
