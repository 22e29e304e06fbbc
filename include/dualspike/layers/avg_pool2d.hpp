#pragma once
/// \file avg_pool2d.hpp
/// 2-D average pooling (PyTorch `nn.AvgPool2d(kernel, stride)`, no padding, floor mode).
/// Linear, so it carries over unchanged to the SNN and averages spikes (case POOL-01):
/// the next layer receives the mean of the window's `Vth * spike` values.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "../core/linalg.hpp"
#include "../core/parallel.hpp"
#include "../core/parameter.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"
#include "../network/spiking_layer.hpp"

namespace dualspike {

/// Concrete average pooling over input shape `S` (C x H x W), `K x K` window, stride
/// `Stride`. Output `C x OH x OW` with `OH = (H - K) / Stride + 1` (rows or columns that do
/// not fill a window are dropped, as PyTorch's floor mode does). No parameters.
template <ShapeType S, std::size_t K, std::size_t Stride = K>
class AvgPool2dLayer : public detail::StatelessSpiking<AvgPool2dLayer<S, K, Stride>, synapse_role> {
  static_assert(K > 0 && Stride > 0, "dualspike::AvgPool2d: kernel and stride must be > 0");
  static_assert(S::height >= K && S::width >= K, "dualspike::AvgPool2d: the window is larger than the input");

 public:
  static constexpr std::size_t out_height = (S::height - K) / Stride + 1;
  static constexpr std::size_t out_width = (S::width - K) / Stride + 1;
  using input_shape = S;
  using output_shape = Shape<S::channels, out_height, out_width>;

  /// y[c, oy, ox] = mean of x[c, oy*Stride + ky, ox*Stride + kx] over the K x K window.
  void forward(const Matrix& x, Matrix& y) const {
    y.resize(static_cast<Eigen::Index>(output_shape::size), x.cols());
    constexpr float inv_area = 1.0f / static_cast<float>(K * K);
    DUALSPIKE_OMP(parallel for schedule(static) if (x.cols() > 64))
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      const float* in = x.col(j).data();
      float* out = y.col(j).data();
      for (std::size_t c = 0; c < S::channels; ++c)
        for (std::size_t oy = 0; oy < out_height; ++oy)
          for (std::size_t ox = 0; ox < out_width; ++ox) {
            float sum = 0.0f;
            for (std::size_t ky = 0; ky < K; ++ky) {
              const float* row = in + (c * S::height + oy * Stride + ky) * S::width + ox * Stride;
              for (std::size_t kx = 0; kx < K; ++kx) sum += row[kx];
            }
            out[(c * out_height + oy) * out_width + ox] = sum * inv_area;
          }
    }
  }

  /// dx[window] += dy / K^2 for every output (windows may overlap when Stride < K); `dx`
  /// may be `&dy`.
  void backward(const Matrix& x, const Matrix& /*y*/, const Matrix& dy, Matrix* dx_arg, AvgPool2dLayer& /*grad*/) const {
    if (dx_arg == nullptr) return;
    GradientOutput out(dx_arg, dy);
    Matrix* const dx = out.get();
    dx->setZero(x.rows(), x.cols());
    constexpr float inv_area = 1.0f / static_cast<float>(K * K);
    DUALSPIKE_OMP(parallel for schedule(static) if (x.cols() > 64))
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      const float* g = dy.col(j).data();
      float* d = dx->col(j).data();
      for (std::size_t c = 0; c < S::channels; ++c)
        for (std::size_t oy = 0; oy < out_height; ++oy)
          for (std::size_t ox = 0; ox < out_width; ++ox) {
            const float share = g[(c * out_height + oy) * out_width + ox] * inv_area;
            for (std::size_t ky = 0; ky < K; ++ky) {
              float* row = d + (c * S::height + oy * Stride + ky) * S::width + ox * Stride;
              for (std::size_t kx = 0; kx < K; ++kx) row[kx] += share;
            }
          }
    }
    out.finish();
  }

  void init(Rng& /*rng*/) noexcept {}
  void append_parameters(ParameterList& /*list*/, const std::string& /*prefix*/) noexcept {}
  void validate(const std::string& /*prefix*/) const noexcept {}
  /// Counted as additions, not multiply-accumulates.
  [[nodiscard]] static constexpr std::size_t macs() noexcept { return 0; }
  /// Mean number of outputs each input feeds (1 when Stride = K and the window tiles the
  /// input; inputs that floor mode drops feed none).
  [[nodiscard]] static constexpr double fan_out() noexcept {
    return static_cast<double>(output_shape::size * K * K) / static_cast<double>(S::size);
  }
  /// Exact SOP counting: `per_input[c, y, x]` = the sum of `per_output` over the windows
  /// that contain (c, y, x) - one window when Stride = K, none for a dropped border row or
  /// column, several when windows overlap. A spike thus reaches the next synapse through the
  /// pooling window and counts the synapses it reaches there (pooling itself is the weight
  /// 1/K^2 on that path, not an extra operation). Sizes: output_shape::size, S::size.
  static void fan_out_paths(std::span<const std::uint64_t> per_output, std::span<std::uint64_t> per_input) noexcept {
    std::fill(per_input.begin(), per_input.end(), std::uint64_t{0});
    for (std::size_t c = 0; c < S::channels; ++c)
      for (std::size_t oy = 0; oy < out_height; ++oy)
        for (std::size_t ox = 0; ox < out_width; ++ox) {
          const std::uint64_t v = per_output[(c * out_height + oy) * out_width + ox];
          for (std::size_t ky = 0; ky < K; ++ky)
            for (std::size_t kx = 0; kx < K; ++kx)
              per_input[(c * S::height + oy * Stride + ky) * S::width + ox * Stride + kx] += v;
        }
  }

};

/// Layer spec: `AvgPool2d<Kernel, Stride = Kernel>`.
template <std::size_t Kernel, std::size_t Stride = Kernel>
struct AvgPool2d {
  template <ShapeType In>
  using bind = AvgPool2dLayer<In, Kernel, Stride>;
};

}  // namespace dualspike
