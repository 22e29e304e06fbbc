#pragma once
/// \file conv_delta_propagation.hpp
/// Event-driven propagation for Conv2d synapses in the SNN: the convolution's output
/// current is kept between time steps and, since the convolution is linear,
///     I(t) = I(t-1) + conv(x(t) - x(t-1)),
/// so each changed input (c, y, x) scatters `delta * W[:, c, ky, kx]` into the output
/// positions its K x K taps reach. The current is kept position-major (the OC channels of
/// one output position contiguous), so one tap is one vectorized axpy over OC floats of a
/// transposed weight copy; the CHW output the next layer reads is a transpose of it. As for
/// dense synapses (delta_propagation.hpp), the im2col + GEMM path `conv(x(t)) + b` is used
/// when many inputs change, and both give the same currents up to float rounding.
#include <cstddef>
#include <cstdint>

#include "../core/shape.hpp"
#include "delta_propagation.hpp"

namespace dualspike::detail {

/// Per-run state of one event-driven Conv2d synapse (owned by the runner's run state).
/// Sizes grow with the batch, never with T.
struct ConvDeltaState {
  /// Change lists and x(t-1); `events.current` is the current position-major,
  /// `(OH*OW*OC) x batch`.
  DeltaSynapseState events;
  Matrix output;         ///< the current in CHW order, `(OC*OH*OW) x batch`: the layer's output
  /// The runner's transposed weights, `OC x (C*K*K)`: column (c*K + ky)*K + kx holds tap
  /// (c, ky, kx) of every channel (derived once from the weights, shared by every run).
  const Matrix* taps = nullptr;
  /// False after a GEMM step until an event step transposes `output` into `events.current`.
  bool position_major_valid = false;

  /// Starts a run from x(0) = 0, whose current is the bias at every position; `weight_by_tap`
  /// = `conv.weight.transpose()` must outlive the run.
  template <class Conv>
  void prime_from_zero(const Conv& conv, const Matrix& weight_by_tap, Eigen::Index batch) {
    constexpr auto oc = static_cast<Eigen::Index>(Conv::out_channels);
    constexpr auto positions = static_cast<Eigen::Index>(Conv::positions);
    events.previous_input.setZero(static_cast<Eigen::Index>(Conv::input_shape::size), batch);
    events.current.resize(oc * positions, batch);
    for (Eigen::Index j = 0; j < batch; ++j)
      Eigen::Map<Matrix>(events.current.col(j).data(), oc, positions).colwise() = conv.bias;
    events.primed = true;
    events.last_density = 1.0;
    taps = &weight_by_tap;
    output.resize(oc * positions, batch);
    position_major_valid = true;
  }
};

/// y[0..n) += a * x[0..n), vectorized with a scalar tail. Allocation-free.
template <class Arch = xsimd::default_arch>
inline void axpy(float a, const float* x, float* y, std::size_t n) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t width = batch::size;
  const std::size_t vec_end = n - n % width;
  const batch va(a);
  for (std::size_t i = 0; i < vec_end; i += width)
    xsimd::fma(va, batch::load_unaligned(x + i), batch::load_unaligned(y + i)).store_unaligned(y + i);
  for (std::size_t i = vec_end; i < n; ++i) y[i] += a * x[i];
}

/// Column j of `to` (resized to `from`'s shape) is column j of `from`, read as a
/// `rows x cols` column-major matrix, transposed: CHW <-> position-major for one sample each.
inline void transpose_columns(const Matrix& from, Eigen::Index rows, Eigen::Index cols, Matrix& to) {
  to.resize(from.rows(), from.cols());
  for (Eigen::Index j = 0; j < from.cols(); ++j)
    Eigen::Map<Matrix>(to.col(j).data(), cols, rows) = Eigen::Map<const Matrix>(from.col(j).data(), rows, cols).transpose();
}

/// Scatters every recorded change of `st.events` into the position-major current:
/// input (c, y, x) reaches output (oy, ox) through tap (ky, kx) when
/// y + Pad - ky = oy * Stride (likewise x), 0 <= oy < OH.
template <class Conv>
void scatter_changes(ConvDeltaState& st) noexcept {
  constexpr std::size_t K = Conv::kernel_size, S = Conv::stride, P = Conv::padding, OC = Conv::out_channels;
  constexpr std::size_t H = Conv::input_shape::height, W = Conv::input_shape::width;
  constexpr std::ptrdiff_t OH = Conv::out_height, OW = Conv::out_width;
  DeltaSynapseState& ev = st.events;
  const float* taps = st.taps->data();
  for (Eigen::Index j = 0; j < ev.current.cols(); ++j) {
    float* cur = ev.current.col(j).data();
    for (std::size_t k = ev.offsets[static_cast<std::size_t>(j)]; k < ev.offsets[static_cast<std::size_t>(j) + 1];
         ++k) {
      const auto i = static_cast<std::size_t>(ev.index[k]);
      const std::size_t c = i / (H * W), y = (i / W) % H, x = i % W;
      const float d = ev.delta[k];
      for (std::size_t ky = 0; ky < K; ++ky) {
        const std::ptrdiff_t ty = static_cast<std::ptrdiff_t>(y + P) - static_cast<std::ptrdiff_t>(ky);
        if (ty < 0 || ty % static_cast<std::ptrdiff_t>(S) != 0 || ty / static_cast<std::ptrdiff_t>(S) >= OH) continue;
        const std::ptrdiff_t oy = ty / static_cast<std::ptrdiff_t>(S);
        for (std::size_t kx = 0; kx < K; ++kx) {
          const std::ptrdiff_t tx = static_cast<std::ptrdiff_t>(x + P) - static_cast<std::ptrdiff_t>(kx);
          if (tx < 0 || tx % static_cast<std::ptrdiff_t>(S) != 0 || tx / static_cast<std::ptrdiff_t>(S) >= OW) continue;
          const auto pos = static_cast<std::size_t>(oy * OW + tx / static_cast<std::ptrdiff_t>(S));
          axpy(d, taps + ((c * K + ky) * K + kx) * OC, cur + pos * OC, OC);
        }
      }
    }
  }
}

/// The fraction of changed inputs below which the scatter beats im2col + GEMM for the
/// convolution `Conv`. A change of input (c, y, x) costs up to K*K*OC multiply-adds, the
/// GEMM `macs()`; per multiply-add the scatter (with the transposes around it) ran at
/// ~0.6 of the GEMM's speed on Net2's second convolution (12 x 12 x 12 -> 64 x 8 x 8,
/// K = 5, where this gives 0.27): over T = 32 steps with 30-50% of its inputs changing,
/// forced events took 1.11x the time of forced GEMMs on one thread (docs/benchmarks.md).
template <class Conv>
[[nodiscard]] constexpr double conv_event_break_even() noexcept {
  constexpr double per_change = static_cast<double>(Conv::kernel_size * Conv::kernel_size * Conv::out_channels) /
                                static_cast<double>(Conv::stride * Conv::stride);
  const double t = 0.6 * static_cast<double>(Conv::macs()) /
                   (per_change * static_cast<double>(Conv::input_shape::size));
  return t < 0.05 ? 0.05 : (t > 0.9 ? 0.9 : t);
}

/// One step of a Conv2d synapse on `input` (`C*H*W x batch`), returning its output current
/// `conv(input) + b` (`OC*OH*OW x batch`, CHW). With `Propagation::automatic`, scatters
/// the changes when their fraction is below `event_threshold` (below
/// `conv_event_break_even<Conv>()` when it is negative), else runs the layer's im2col +
/// GEMM. Allocation-free after the first steps of a batch size.
template <class Conv>
const Matrix& propagate_conv(const Conv& conv, const Matrix& input, ConvDeltaState& st, Propagation mode,
                             double event_threshold) {
  constexpr auto oc = static_cast<Eigen::Index>(Conv::out_channels);
  constexpr auto positions = static_cast<Eigen::Index>(Conv::positions);
  DeltaSynapseState& ev = st.events;
  // The im2col + GEMM step: a fresh CHW output, the position-major current now stale.
  const auto gemm = [&]() -> const Matrix& {
    conv.forward(input, st.output);
    ++ev.dense_steps;
    st.position_major_valid = false;
    return st.output;
  };
  if (mode == Propagation::dense || !ev.primed || ev.previous_input.cols() != input.cols()) {
    if (mode != Propagation::dense) {
      ev.previous_input = input;
      ev.primed = true;
    }
    return gemm();
  }
  if (mode == Propagation::event) {
    collect_changes(input, ev);  // also records x(t) as x(t-1)
  } else if (!choose_event_path(input, ev, event_threshold < 0.0 ? conv_event_break_even<Conv>() : event_threshold)) {
    return gemm();
  }
  if (!st.position_major_valid) {  // I(t-1) came from the GEMM: bring it into position-major order
    detail::transpose_columns(st.output, positions, oc, ev.current);
    st.position_major_valid = true;
  }
  detail::scatter_changes<Conv>(st);
  detail::transpose_columns(ev.current, oc, positions, st.output);
  ++ev.event_steps;
  return st.output;
}

}  // namespace dualspike::detail
