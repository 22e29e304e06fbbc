#pragma once
/// \file conv2d.hpp
/// 2-D convolution (PyTorch `nn.Conv2d`, square kernel, groups = 1, dilation = 1, zero
/// padding). Carries over unchanged to the SNN, where it acts on `Vth * spikes` (or on
/// average-pooled spikes) every time step; the bias is added at every step (paper eq. 3).
///
/// Computed as im2col + GEMM per sample: the patches of one sample form an
/// `(OH*OW) x (C*K*K)` matrix P, and the output map of that sample, viewed as an
/// `(OH*OW) x OC` column-major matrix, is `P * weight + bias` - exactly the CHW layout of
/// one activation column, so the GEMM writes in place. Samples run in parallel (OpenMP);
/// every result is bit-identical for any number of threads (see `forward`, `backward`).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "../core/checks.hpp"
#include "../core/errors.hpp"
#include "../core/linalg.hpp"
#include "../core/parallel.hpp"
#include "../core/parameter.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"
#include "../network/spiking_layer.hpp"

namespace dualspike {

/// Concrete convolution over input shape `S` (C x H x W) with `OC` output channels, a
/// `K x K` kernel, stride `Stride` and zero padding `Pad` on every side.
/// Shapes: input `C*H*W x batch`, output `OC*OH*OW x batch` (CHW order, column = sample)
/// with `OH = (H + 2 Pad - K) / Stride + 1` (likewise OW).
/// `weight` is stored as a `(C*K*K) x OC` column-major matrix, which is byte for byte
/// PyTorch's `[OC, C, K, K]` row-major weight: `weight(c*K*K + ky*K + kx, o)` is
/// `torch_weight[o][c][ky][kx]`. `bias` has `OC` entries.
template <ShapeType S, std::size_t OC, std::size_t K, std::size_t Stride = 1, std::size_t Pad = 0>
class Conv2dLayer : public detail::StatelessSpiking<Conv2dLayer<S, OC, K, Stride, Pad>, synapse_role> {
  static_assert(OC > 0 && K > 0 && Stride > 0, "dualspike::Conv2d: channels, kernel and stride must be > 0");
  static_assert(S::height + 2 * Pad >= K && S::width + 2 * Pad >= K,
                "dualspike::Conv2d: the kernel is larger than the (padded) input");

 public:
  static constexpr std::size_t in_channels = S::channels, out_channels = OC, kernel_size = K, stride = Stride,
                               padding = Pad;
  static constexpr std::size_t out_height = (S::height + 2 * Pad - K) / Stride + 1;
  static constexpr std::size_t out_width = (S::width + 2 * Pad - K) / Stride + 1;
  using input_shape = S;
  using output_shape = Shape<OC, out_height, out_width>;
  /// The outputs `o` in [lo, hi) of one axis (`outputs` of them over `size` inputs) whose
  /// tap `k` lands inside the input, `0 <= o * Stride + k - Pad < size`; the others read
  /// the zero padding. Always lo <= hi.
  struct TapRange {
    std::size_t lo, hi;
  };
  static constexpr TapRange inside_outputs(std::size_t k, std::size_t size, std::size_t outputs) noexcept {
    const std::size_t first = k >= Pad ? 0 : (Pad - k + Stride - 1) / Stride;
    const std::size_t end = size + Pad <= k ? 0 : (size + Pad - k + Stride - 1) / Stride;
    const std::size_t lo = std::min(first, outputs);
    return {lo, std::max(lo, std::min(end, outputs))};
  }
  /// Taps of all windows along one axis (`outputs` windows over `size` inputs) that land
  /// inside the input, not in the padding.
  static constexpr std::size_t valid_taps(std::size_t outputs, std::size_t size) noexcept {
    std::size_t n = 0;
    for (std::size_t k = 0; k < K; ++k) {
      const TapRange r = inside_outputs(k, size, outputs);
      n += r.hi - r.lo;
    }
    return n;
  }
  /// Rows of the im2col patch matrix of one sample, and its columns (fan-in of an output).
  static constexpr std::size_t positions = out_height * out_width;
  static constexpr std::size_t fan_in = S::channels * K * K;
  /// In the SNN: a synapse whose current the executor may update by scattering input changes.
  using event_path = conv_event_path;

  Matrix weight = Matrix::Zero(fan_in, OC);
  Vector bias = Vector::Zero(OC);

  /// PyTorch's default: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C*K*K.
  void init(Rng& rng) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in));
    for (Eigen::Index i = 0; i < weight.size(); ++i) weight.data()[i] = rng.uniform(-bound, bound);
    for (Eigen::Index i = 0; i < bias.size(); ++i) bias[i] = rng.uniform(-bound, bound);
  }

  /// Writes the `positions x fan_in` patch matrix of one sample (`image`: C*H*W floats,
  /// CHW) into `patches`; out-of-image taps are 0. No test per element: each column is
  /// copied over the range of outputs that reads the image, and the padding written apart.
  static void im2col(const float* image, Matrix& patches) {
    patches.resize(positions, fan_in);
    for (std::size_t c = 0; c < S::channels; ++c)
      for (std::size_t ky = 0; ky < K; ++ky)
        for (std::size_t kx = 0; kx < K; ++kx) {
          float* col = patches.col(static_cast<Eigen::Index>((c * K + ky) * K + kx)).data();
          if constexpr (Stride == 1 && out_width == S::width)
            same_width_column(image + c * S::height * S::width, ky, kx, col);
          else
            column(image + c * S::height * S::width, ky, kx, col);
        }
  }
  /// Adds the patch-matrix gradient `dpatches` back onto the image gradient (the adjoint
  /// of im2col); `image_grad` must hold C*H*W floats.
  static void col2im_add(const Matrix& dpatches, float* image_grad) {
    for (std::size_t c = 0; c < S::channels; ++c)
      for (std::size_t ky = 0; ky < K; ++ky) {
        const auto [y_lo, y_hi] = inside_outputs(ky, S::height, out_height);
        for (std::size_t kx = 0; kx < K; ++kx) {
          const auto [x_lo, x_hi] = inside_outputs(kx, S::width, out_width);
          const float* col = dpatches.col(static_cast<Eigen::Index>((c * K + ky) * K + kx)).data();
          for (std::size_t oy = y_lo; oy < y_hi; ++oy) {
            float* dst = image_grad + (c * S::height + oy * Stride + ky - Pad) * S::width + (x_lo * Stride + kx - Pad);
            const float* row = col + oy * out_width;
            for (std::size_t ox = x_lo; ox < x_hi; ++ox) dst[(ox - x_lo) * Stride] += row[ox];
          }
        }
      }
  }

  /// y = conv(x) + bias for every sample (column) of `x`; each sample's GEMM is a
  /// `product` (core/linalg.hpp), the same for any number of threads.
  void forward(const Matrix& x, Matrix& y) const {
    const Eigen::Index batch = x.cols();
    y.resize(static_cast<Eigen::Index>(output_shape::size), batch);
    DUALSPIKE_OMP(parallel if (batch > 1))
    {
      Matrix patches;
      DUALSPIKE_OMP(for schedule(static))
      for (Eigen::Index j = 0; j < batch; ++j) {
        im2col(x.col(j).data(), patches);
        auto out = output_map(y, j);
        product(out, patches, weight);
        out.rowwise() += bias.transpose();
      }
    }
  }

  /// Assigns dW = sum_j P_j^T dY_j, db = sum of dY over positions and samples, and
  /// dx = col2im(dY_j W^T) per sample; `dx` may be `&dy`.
  /// Bit-identical for any number of threads: sample j's weight gradient P_j^T dY_j (a
  /// float `product`) and bias gradient (summed in double) are added to double
  /// accumulators strictly in sample order (an OpenMP `ordered` section), so terms such
  /// as 1e8, 1, -1e8, 1 cancel without loss across samples (dW and db) and across the
  /// positions of one sample (db; dW sums positions in float). Extra cost per sample: one
  /// double add of the `fan_in x OC` weight gradient, serialized.
  void backward(const Matrix& x, const Matrix& /*y*/, const Matrix& dy, Matrix* dx, Conv2dLayer& grad) const {
    const Eigen::Index batch = x.cols();
    constexpr auto rows = static_cast<Eigen::Index>(fan_in), cols = static_cast<Eigen::Index>(OC);
    Eigen::MatrixXd dw_sum = Eigen::MatrixXd::Zero(rows, cols);
    Eigen::VectorXd db_sum = Eigen::VectorXd::Zero(cols);
    GradientOutput out(dx, dy);
    Matrix* const dx_out = out.get();
    if (dx_out != nullptr) dx_out->setZero(x.rows(), batch);
    DUALSPIKE_OMP(parallel if (batch > 1))
    {
      Matrix patches, dpatches, dw(rows, cols);
      Eigen::VectorXd db(cols);
      DUALSPIKE_OMP(for ordered schedule(static, 1))
      for (Eigen::Index j = 0; j < batch; ++j) {
        const auto dmap = output_map(dy, j);
        im2col(x.col(j).data(), patches);
        product(dw, patches.transpose(), dmap);
        db.setZero();
        add_column_sums(db, dmap);
        if (dx_out != nullptr) {
          product(dpatches, dmap, weight.transpose());
          col2im_add(dpatches, dx_out->col(j).data());
        }
        DUALSPIKE_OMP(ordered)
        {
          dw_sum += dw.cast<double>();
          db_sum += db;
        }
      }
    }
    grad.weight = dw_sum.cast<float>();
    grad.bias = db_sum.cast<float>();
    out.finish();
  }

  void append_parameters(ParameterList& list, const std::string& prefix) {
    list.push_back({prefix + "weight", {weight.data(), static_cast<std::size_t>(weight.size())}});
    list.push_back({prefix + "bias", {bias.data(), static_cast<std::size_t>(bias.size())}});
  }

  /// \throws ShapeError if weight is not (C*K*K) x OC or bias not OC; ConfigError naming
  /// the tensor and entry of the first NaN/inf parameter (`weight[row, col]`, `bias[i]`).
  void validate(const std::string& prefix) const {
    if (weight.rows() != static_cast<Eigen::Index>(fan_in) || weight.cols() != static_cast<Eigen::Index>(OC))
      throw ShapeError(prefix + "weight is " + std::to_string(weight.rows()) + "x" + std::to_string(weight.cols()) +
                       ", expected " + std::to_string(fan_in) + "x" + std::to_string(OC) + " (C*K*K x OC)");
    if (bias.size() != static_cast<Eigen::Index>(OC))
      throw ShapeError(prefix + "bias has " + std::to_string(bias.size()) + " entries, expected " + std::to_string(OC));
    require_all_finite(weight, prefix + "weight");
    require_all_finite(bias, prefix + "bias");
  }

  /// Multiply-accumulates per sample.
  [[nodiscard]] static constexpr std::size_t macs() noexcept { return positions * fan_in * OC; }

  /// Mean number of synapses leaving one input neuron, over all inputs: the taps that land
  /// inside the image (zero-padding taps are not synapses) per input, so a border input,
  /// or one a stride skips, counts what it really feeds. Equal to macs() / S::size only
  /// without padding and with Stride = 1 ... K tiling the input.
  [[nodiscard]] static constexpr double fan_out() noexcept {
    return static_cast<double>(valid_taps(out_height, S::height) * valid_taps(out_width, S::width) * S::channels * OC) /
           static_cast<double>(S::size);
  }
  /// Exact SOP counting: `per_input[c, y, x]` = the sum of `per_output[o, oy, ox]` over
  /// every output channel o and output position (oy, ox) whose window covers (y, x)
  /// (`oy * Stride + ky - Pad = y` for some tap ky, likewise x). With `per_output` all 1 this
  /// is each input's actual fan-out: OC * K * K in the interior, fewer at a border or
  /// corner, where windows hang over the padding, and for inputs a stride skips. Sizes:
  /// output_shape::size, S::size. Cost: O(OC * positions + positions * K^2 + S::size).
  static void fan_out_paths(std::span<const std::uint64_t> per_output, std::span<std::uint64_t> per_input) {
    std::vector<std::uint64_t> window(positions, 0);  // summed over the output channels
    for (std::size_t o = 0; o < OC; ++o)
      for (std::size_t p = 0; p < positions; ++p) window[p] += per_output[o * positions + p];
    std::vector<std::uint64_t> plane(S::height * S::width, 0);
    for (std::size_t oy = 0; oy < out_height; ++oy)
      for (std::size_t ox = 0; ox < out_width; ++ox)
        for (std::size_t ky = 0; ky < K; ++ky) {
          const std::ptrdiff_t y = static_cast<std::ptrdiff_t>(oy * Stride + ky) - static_cast<std::ptrdiff_t>(Pad);
          if (y < 0 || y >= static_cast<std::ptrdiff_t>(S::height)) continue;
          for (std::size_t kx = 0; kx < K; ++kx) {
            const std::ptrdiff_t x = static_cast<std::ptrdiff_t>(ox * Stride + kx) - static_cast<std::ptrdiff_t>(Pad);
            if (x < 0 || x >= static_cast<std::ptrdiff_t>(S::width)) continue;
            plane[static_cast<std::size_t>(y) * S::width + static_cast<std::size_t>(x)] += window[oy * out_width + ox];
          }
        }
    for (std::size_t c = 0; c < S::channels; ++c)
      std::copy(plane.begin(), plane.end(), per_input.begin() + static_cast<std::ptrdiff_t>(c * plane.size()));
  }

  /// This layer with a following BatchNorm folded in: every weight of output channel o
  /// times scale[o], bias' = scale .* bias + shift (see batch_norm.hpp).
  [[nodiscard]] Conv2dLayer fold_batch_norm(const Vector& scale, const Vector& shift) const {
    Conv2dLayer folded = *this;
    folded.weight.array().rowwise() *= scale.transpose().array();
    folded.bias = (scale.array() * bias.array() + shift.array()).matrix();
    return folded;
  }


 private:
  /// Column (ky, kx) of the patch matrix, from one channel's `plane` (H*W floats), row by row.
  static void column(const float* plane, std::size_t ky, std::size_t kx, float* col) {
    const auto [y_lo, y_hi] = inside_outputs(ky, S::height, out_height);
    const auto [x_lo, x_hi] = inside_outputs(kx, S::width, out_width);
    for (std::size_t oy = 0; oy < out_height; ++oy) {
      float* row = col + oy * out_width;
      if (oy < y_lo || oy >= y_hi) {
        std::fill(row, row + out_width, 0.0f);
        continue;
      }
      // Input (y, x) of output (oy, x_lo): y = oy * Stride + ky - Pad >= 0, likewise x.
      const float* src = plane + (oy * Stride + ky - Pad) * S::width + (x_lo * Stride + kx - Pad);
      std::fill(row, row + x_lo, 0.0f);
      for (std::size_t ox = x_lo; ox < x_hi; ++ox) row[ox] = src[(ox - x_lo) * Stride];
      std::fill(row + x_hi, row + out_width, 0.0f);
    }
  }
  /// The same column when Stride = 1 and the output is as wide as the input ("same"
  /// padding, 2 Pad = K - 1): the rows [y_lo, y_hi) of the column are the plane's rows
  /// shifted by (ky - Pad, kx - Pad), one contiguous copy, after which the (at most Pad)
  /// entries per row that wrapped around a row's end are set to 0.
  static void same_width_column(const float* plane, std::size_t ky, std::size_t kx, float* col) {
    constexpr std::size_t OW = out_width;
    const auto [y_lo, y_hi] = inside_outputs(ky, S::height, out_height);
    const auto [x_lo, x_hi] = inside_outputs(kx, S::width, OW);
    if (y_lo == y_hi || x_lo == x_hi) {  // the tap reads only padding
      std::fill(col, col + positions, 0.0f);
      return;
    }
    std::fill(col, col + y_lo * OW, 0.0f);
    std::fill(col + y_hi * OW, col + positions, 0.0f);
    // col[oy * OW + ox] = plane[(oy + ky - Pad) * W + ox + kx - Pad] for the inside outputs;
    // `first` and `last` bound the copied entries so that the plane is never read outside.
    float* block = col + y_lo * OW;
    const std::size_t n = (y_hi - y_lo) * OW, first = x_lo, last = n - (OW - x_hi);
    const float* src = plane + (y_lo + ky - Pad) * S::width + (x_lo + kx - Pad);  // the input of output x_lo
    std::copy(src, src + (last - first), block + first);
    for (std::size_t oy = 0; oy < y_hi - y_lo; ++oy) {
      float* row = block + oy * OW;
      for (std::size_t ox = 0; ox < x_lo; ++ox) row[ox] = 0.0f;
      for (std::size_t ox = x_hi; ox < OW; ++ox) row[ox] = 0.0f;
    }
  }

  /// Sample j's output map (or its gradient) as a `positions x OC` column-major matrix.
  static Eigen::Map<Matrix> output_map(Matrix& m, Eigen::Index j) {
    return {m.col(j).data(), static_cast<Eigen::Index>(positions), static_cast<Eigen::Index>(OC)};
  }
  static Eigen::Map<const Matrix> output_map(const Matrix& m, Eigen::Index j) {
    return {m.col(j).data(), static_cast<Eigen::Index>(positions), static_cast<Eigen::Index>(OC)};
  }
};

/// Layer spec: `Conv2d<OutChannels, Kernel, Stride = 1, Padding = 0>` (square kernel; the
/// input channels and size are inferred from the previous layer).
template <std::size_t OutChannels, std::size_t Kernel, std::size_t Stride = 1, std::size_t Padding = 0>
struct Conv2d {
  template <ShapeType In>
  using bind = Conv2dLayer<In, OutChannels, Kernel, Stride, Padding>;
};

}  // namespace dualspike
