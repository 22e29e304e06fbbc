#pragma once
/// \file batch_norm.hpp
/// Batch normalization (PyTorch `nn.BatchNorm2d` for `C x H x W` inputs, `nn.BatchNorm1d`
/// for flat `Shape<N>` inputs): per channel c,
///     y = gamma_c * (x - mean_c) / sqrt(var_c + eps) + beta_c.
/// Training uses the batch statistics (over the batch and the H x W positions; biased
/// variance) and updates the running statistics with `momentum` (unbiased variance), as
/// PyTorch does; inference uses the running statistics.
///
/// At conversion (paper Fig. 1a) BatchNorm is folded into the Conv2d/Dense directly before
/// it: with `scale_c = gamma_c / sqrt(running_var_c + eps)` and
/// `shift_c = beta_c - scale_c * running_mean_c`, every weight of output channel c is
/// multiplied by `scale_c` and the bias becomes `scale_c * b_c + shift_c` (case BN-01).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include "../core/checks.hpp"
#include "../core/errors.hpp"
#include "../core/parallel.hpp"
#include "../core/parameter.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"

namespace dualspike {

/// Concrete batch normalization over shape `S`: one (gamma, beta, running mean, running
/// variance) per channel `S::channels`, shared by the `S::height * S::width` positions.
template <ShapeType S>
class BatchNormLayer {
 public:
  using input_shape = S;
  using output_shape = S;
  static constexpr std::size_t channels = S::channels;
  static constexpr std::size_t positions = S::height * S::width;

  Vector weight = Vector::Ones(channels);  ///< gamma (PyTorch's `weight`)
  Vector bias = Vector::Zero(channels);    ///< beta (PyTorch's `bias`)
  /// Running statistics: buffers, not parameters (the optimizer never sees them). They
  /// are updated by the training forward pass, as in PyTorch, hence `mutable`.
  mutable Vector running_mean = Vector::Zero(channels);
  mutable Vector running_var = Vector::Ones(channels);

  /// \throws ConfigError unless eps is finite and >= 0 (PyTorch's default is 1e-5).
  void set_eps(float eps) {
    require_non_negative_finite(eps, "BatchNorm.eps");
    eps_ = eps;
  }
  /// \throws ConfigError unless 0 <= momentum <= 1 (1 keeps only the newest batch's statistics).
  void set_momentum(float momentum) {
    if (!(momentum >= 0.0f && momentum <= 1.0f))
      throw ConfigError("BatchNorm.momentum = " + format_value(momentum) + ", expected a value in [0, 1]");
    momentum_ = momentum;
  }
  [[nodiscard]] float eps() const noexcept { return eps_; }
  [[nodiscard]] float momentum() const noexcept { return momentum_; }

  /// PyTorch's reset: gamma = 1, beta = 0, running mean 0, running variance 1.
  void init(Rng& /*rng*/) {
    weight.setOnes(channels);
    bias.setZero(channels);
    running_mean.setZero(channels);
    running_var.setOnes(channels);
  }

  /// Per-channel `scale = gamma / sqrt(running_var + eps)` (computed in double).
  [[nodiscard]] Vector scale() const {
    Vector s(channels);
    for (std::size_t c = 0; c < channels; ++c)
      s[c] = static_cast<float>(static_cast<double>(weight[c]) /
                                std::sqrt(static_cast<double>(running_var[c]) + static_cast<double>(eps_)));
    return s;
  }
  /// Per-channel `shift = beta - scale * running_mean`.
  [[nodiscard]] Vector shift() const {
    const Vector s = scale();
    Vector b(channels);
    for (std::size_t c = 0; c < channels; ++c)
      b[c] = static_cast<float>(static_cast<double>(bias[c]) -
                                static_cast<double>(s[c]) * static_cast<double>(running_mean[c]));
    return b;
  }

  /// Inference: y = scale_c * x + shift_c with the running statistics.
  void forward(const Matrix& x, Matrix& y) const { apply(x, y, scale(), shift()); }

  /// Training: normalizes with the batch statistics, stores (mean, 1/sqrt(var + eps)) per
  /// channel in `cache` (`channels x 2`) and updates the running statistics.
  /// \throws ShapeError if a channel has a single value (batch 1 on a flat input), as PyTorch.
  void forward_train(const Matrix& x, Matrix& y, Matrix& cache, Rng& /*rng*/) const {
    const double n = static_cast<double>(positions) * static_cast<double>(x.cols());
    if (n < 2.0)
      throw ShapeError("BatchNorm: training needs more than one value per channel, got batch " +
                       std::to_string(x.cols()) + " x " + std::to_string(positions) + " positions");
    cache.resize(static_cast<Eigen::Index>(channels), 2);
    Vector sc(channels), sh(channels);
    DUALSPIKE_OMP(parallel for schedule(static) if (work_is_large(x)))
    for (std::ptrdiff_t ci = 0; ci < static_cast<std::ptrdiff_t>(channels); ++ci) {
      const auto c = static_cast<std::size_t>(ci);
      const auto [sum, sq] = value_sums(x, c);
      const double mean = sum / n;
      const double var = std::max(0.0, sq / n - mean * mean);
      const double inv_std = 1.0 / std::sqrt(var + static_cast<double>(eps_));
      cache(static_cast<Eigen::Index>(c), 0) = static_cast<float>(mean);
      cache(static_cast<Eigen::Index>(c), 1) = static_cast<float>(inv_std);
      sc[c] = static_cast<float>(weight[c] * inv_std);
      sh[c] = static_cast<float>(bias[c] - weight[c] * inv_std * mean);
      running_mean[c] = static_cast<float>((1.0 - momentum_) * running_mean[c] + momentum_ * mean);
      running_var[c] = static_cast<float>((1.0 - momentum_) * running_var[c] + momentum_ * var * n / (n - 1.0));
    }
    apply(x, y, sc, sh);
  }

  /// Backward of the training pass (batch statistics, from `cache`):
  /// dgamma = sum(dy * xhat), dbeta = sum(dy),
  /// dx = gamma * inv_std / n * (n * dy - sum(dy) - xhat * sum(dy * xhat)).
  /// The sums are taken in double, in a fixed order (`channel_sums`), before `dx` is
  /// written coefficient-wise, so `dx` may be `&dy`; channels and samples are spread over
  /// OpenMP threads, with the same result for any number of them.
  void backward(const Matrix& x, const Matrix& /*y*/, const Matrix& dy, Matrix* dx, BatchNormLayer& grad,
                const Matrix& cache) const {
    const double n = static_cast<double>(positions) * static_cast<double>(x.cols());
    grad.weight.resize(channels);
    grad.bias.resize(channels);
    Vector a(channels), b(channels), c0(channels);
    DUALSPIKE_OMP(parallel for schedule(static) if (work_is_large(x)))
    for (std::ptrdiff_t ci = 0; ci < static_cast<std::ptrdiff_t>(channels); ++ci) {
      const auto c = static_cast<std::size_t>(ci);
      const double mean = cache(static_cast<Eigen::Index>(c), 0), inv_std = cache(static_cast<Eigen::Index>(c), 1);
      const auto [sum_dy, sum_dy_centered] = gradient_sums(x, dy, c, mean);
      const double sum_dy_xhat = sum_dy_centered * inv_std;
      grad.weight[c] = static_cast<float>(sum_dy_xhat);
      grad.bias[c] = static_cast<float>(sum_dy);
      // dx = a * dy + b * x + c0, expanded from the formula above with xhat = (x - mean) * inv_std.
      const double k = weight[c] * inv_std;
      a[c] = static_cast<float>(k);
      b[c] = static_cast<float>(-k * inv_std * sum_dy_xhat / n);
      c0[c] = static_cast<float>(-k * sum_dy / n + k * inv_std * sum_dy_xhat * mean / n);
    }
    if (dx != nullptr) combine(dy, a, x, b, c0, *dx);
  }

  /// Backward of the inference pass (running statistics): dx = scale * dy,
  /// dgamma = sum(dy * (x - running_mean) / sqrt(running_var + eps)), dbeta = sum(dy)
  /// (in double, in a fixed order); `dx` may be `&dy`.
  void backward(const Matrix& x, const Matrix& /*y*/, const Matrix& dy, Matrix* dx, BatchNormLayer& grad) const {
    const Vector sc = scale();
    grad.weight.resize(channels);
    grad.bias.resize(channels);
    DUALSPIKE_OMP(parallel for schedule(static) if (work_is_large(x)))
    for (std::ptrdiff_t ci = 0; ci < static_cast<std::ptrdiff_t>(channels); ++ci) {
      const auto c = static_cast<std::size_t>(ci);
      const double inv_std = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + eps_);
      const auto [sum_dy, sum_dy_centered] = gradient_sums(x, dy, c, static_cast<double>(running_mean[c]));
      const double sum_dy_xhat = sum_dy_centered * inv_std;
      grad.weight[c] = static_cast<float>(sum_dy_xhat);
      grad.bias[c] = static_cast<float>(sum_dy);
    }
    if (dx != nullptr) combine(dy, sc, x, Vector::Zero(channels), Vector::Zero(channels), *dx);
  }

  void append_parameters(ParameterList& list, const std::string& prefix) {
    list.push_back({prefix + "weight", {weight.data(), static_cast<std::size_t>(weight.size())}});
    list.push_back({prefix + "bias", {bias.data(), static_cast<std::size_t>(bias.size())}});
  }
  /// The running statistics, named like PyTorch's state_dict buffers.
  void append_buffers(ParameterList& list, const std::string& prefix) {
    list.push_back({prefix + "running_mean", {running_mean.data(), static_cast<std::size_t>(running_mean.size())}});
    list.push_back({prefix + "running_var", {running_var.data(), static_cast<std::size_t>(running_var.size())}});
  }

  /// \throws ShapeError for a tensor with other than `channels` entries; ConfigError for
  /// NaN/inf values, a negative eps or a channel with running_var + eps <= 0.
  void validate(const std::string& prefix) const {
    const auto check = [&](const Vector& v, const char* name) {
      if (v.size() != static_cast<Eigen::Index>(channels))
        throw ShapeError(prefix + name + " has " + std::to_string(v.size()) + " entries, expected " +
                         std::to_string(channels));
      require_all_finite(v, prefix + name);
    };
    check(weight, "weight");
    check(bias, "bias");
    check(running_mean, "running_mean");
    check(running_var, "running_var");
    require_non_negative_finite(eps_, (prefix + "eps").c_str());
    for (std::size_t c = 0; c < channels; ++c)
      if (!(static_cast<double>(running_var[c]) + eps_ > 0.0))
        throw ConfigError(prefix + "running_var[" + std::to_string(c) + "] = " + format_value(running_var[c]) +
                          " with eps = " + format_value(eps_) + ": running_var + eps must be > 0");
  }

  [[nodiscard]] static constexpr std::size_t macs() noexcept { return 0; }

  /// Folded into the preceding Conv2d/Dense by `to_snn` (convert/to_snn.hpp); it has no
  /// spiking counterpart of its own.
  static constexpr bool folds_into_previous = true;

 private:
  static bool work_is_large(const Matrix& x) noexcept { return x.size() >= kParallelValues; }

  /// Lanes of the double sums: value i of a sample's channel goes to partial sum i % 8,
  /// samples in order, lanes added in order at the end - a fixed order whatever the
  /// threads, and one the compiler vectorizes.
  static constexpr std::size_t kLanes = 8;
  struct Sums {
    double first, second;
  };
  static double lane_total(const double (&lane)[kLanes]) noexcept {
    double s = 0.0;
    for (double v : lane) s += v;
    return s;
  }
  /// (sum of terms(x, y).first, sum of terms(x, y).second) over channel c of every sample,
  /// in double, `terms` taking the entries of `x` and `y` at the same place.
  template <class Terms>
  static Sums channel_sums(const Matrix& x, const Matrix& y, std::size_t c, Terms&& terms) {
    double l1[kLanes] = {}, l2[kLanes] = {};
    const auto add = [&](std::size_t l, float a, float b) {
      const Sums t = terms(static_cast<double>(a), static_cast<double>(b));
      l1[l] += t.first;
      l2[l] += t.second;
    };
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      const float* p = x.col(j).data() + c * positions;
      const float* q = y.col(j).data() + c * positions;
      std::size_t i = 0;
      for (; i + kLanes <= positions; i += kLanes)
        for (std::size_t l = 0; l < kLanes; ++l) add(l, p[i + l], q[i + l]);
      for (std::size_t l = 0; i < positions; ++i, ++l) add(l, p[i], q[i]);
    }
    return {lane_total(l1), lane_total(l2)};
  }
  /// (sum x, sum x^2) over channel c of every sample.
  static Sums value_sums(const Matrix& x, std::size_t c) {
    return channel_sums(x, x, c, [](double v, double) { return Sums{v, v * v}; });
  }
  /// (sum dy, sum dy * (x - mean)) over channel c of every sample.
  static Sums gradient_sums(const Matrix& x, const Matrix& dy, std::size_t c, double mean) {
    return channel_sums(x, dy, c, [mean](double v, double g) { return Sums{g, g * (v - mean)}; });
  }
  /// y = sc_c * x + sh_c per channel.
  static void apply(const Matrix& x, Matrix& y, const Vector& sc, const Vector& sh) {
    y.resize(x.rows(), x.cols());
    DUALSPIKE_OMP(parallel for schedule(static) if (work_is_large(x)))
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      for (std::size_t c = 0; c < channels; ++c) {
        const auto seg = static_cast<Eigen::Index>(c * positions);
        y.col(j).segment(seg, positions).array() = x.col(j).segment(seg, positions).array() * sc[c] + sh[c];
      }
  }
  /// dx = a_c * dy + b_c * x + c0_c per channel.
  static void combine(const Matrix& dy, const Vector& a, const Matrix& x, const Vector& b, const Vector& c0,
                      Matrix& dx) {
    dx.resize(x.rows(), x.cols());
    DUALSPIKE_OMP(parallel for schedule(static) if (work_is_large(x)))
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      for (std::size_t c = 0; c < channels; ++c) {
        const auto seg = static_cast<Eigen::Index>(c * positions);
        dx.col(j).segment(seg, positions).array() = dy.col(j).segment(seg, positions).array() * a[c] +
                                                    x.col(j).segment(seg, positions).array() * b[c] + c0[c];
      }
  }

  float eps_ = 1e-5f;
  float momentum_ = 0.1f;
};

/// Layer spec: `BatchNorm` (per-channel; eps 1e-5 and momentum 0.1 as in PyTorch).
struct BatchNorm {
  template <ShapeType In>
  using bind = BatchNormLayer<In>;
};

}  // namespace dualspike
