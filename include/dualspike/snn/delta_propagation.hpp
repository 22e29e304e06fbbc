#pragma once
/// \file delta_propagation.hpp
/// Event-driven synaptic propagation for dense synapses in the SNN (issue: constant input,
/// repetitive spikes). A dense layer keeps its output current `I(t) = W x(t) + b` between
/// time steps and, since it is linear,
///     I(t) = I(t-1) + W (x(t) - x(t-1)),
/// so only the inputs that *changed* since the last step cost work: each change adds
/// `delta * W[:, i]` (one contiguous weight column) to the current. Inputs are ternary
/// spikes times Vth (or average-pooled spikes), so most saturated neurons repeat their
/// spike and the change lists are short. When many inputs change, the dense GEMM path
/// `I(t) = W x(t) + b` is cheaper and is used instead; it also removes the float
/// rounding that the incremental path accumulates. Both paths give the same currents up
/// to float rounding.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "../core/shape.hpp"

namespace dualspike {

/// How a synaptic layer of the SNN propagates its input each time step.
enum class Propagation {
  automatic,  ///< per layer and step: events when the fraction of changed inputs is below the threshold
  dense,      ///< always the GEMM `W x(t) + b`
  event,      ///< always the change lists (after the first step, which is dense)
};

/// Per-run state of one event-driven dense synapse (owned by `SpikingSequential::State`).
/// Sizes grow with the batch, never with T; after the first step nothing is allocated.
struct DeltaSynapseState {
  Matrix current;                 ///< I(t), `out x batch`
  Matrix previous_input;          ///< x(t-1), `in x batch`
  std::vector<std::int32_t> index;  ///< changed input indices, all samples back to back
  std::vector<float> delta;         ///< x(t) - x(t-1) at those indices
  std::vector<std::size_t> offsets; ///< sample j's changes are [offsets[j], offsets[j+1])
  bool primed = false;            ///< false until the first (dense) step of a run
  /// Steps that used the event path / the dense path since `reset` (for benchmarks).
  std::uint64_t event_steps = 0, dense_steps = 0;

  void reset() noexcept { primed = false; }
};

/// y[0..n) += a * x[0..n), vectorized (xsimd) with a scalar tail. Allocation-free.
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

/// Compares `input` with `state.previous_input`, records the changes of every sample into
/// the state's change lists, and copies `input` into `previous_input`.
/// \returns the total number of changed entries.
inline std::size_t collect_changes(const Matrix& input, DeltaSynapseState& state) {
  const std::size_t rows = static_cast<std::size_t>(input.rows());
  const std::size_t cols = static_cast<std::size_t>(input.cols());
  state.index.resize(rows * cols);
  state.delta.resize(rows * cols);
  state.offsets.resize(cols + 1);
  std::size_t count = 0;
  for (std::size_t j = 0; j < cols; ++j) {
    state.offsets[j] = count;
    const float* x = input.col(static_cast<Eigen::Index>(j)).data();
    float* prev = state.previous_input.col(static_cast<Eigen::Index>(j)).data();
    for (std::size_t i = 0; i < rows; ++i) {
      if (x[i] != prev[i]) {
        state.index[count] = static_cast<std::int32_t>(i);
        state.delta[count] = x[i] - prev[i];
        ++count;
        prev[i] = x[i];
      }
    }
  }
  state.offsets[cols] = count;
  return count;
}

/// The fraction of changed inputs below which the event path beats the GEMM path for a
/// batch of `batch` samples on one thread. A GEMV (batch 1) is memory-bound and reads
/// every weight, so events win almost always; a large GEMM reuses each weight across the
/// batch at ~40 GMAC/s per core, so events win only when few inputs change. Fitted to
/// measurements of a 1200 x 1200 layer (break-even near 0.95 at batch 1, 0.4 at 8, 0.2 at
/// 64, 0.17 at 500; docs/benchmarks.md): `0.9 / batch^(1/3)`, clamped to [0.15, 0.9].
[[nodiscard]] inline double event_break_even(Eigen::Index batch) noexcept {
  const double t = 0.9 / std::cbrt(static_cast<double>(std::max<Eigen::Index>(batch, 1)));
  return std::clamp(t, 0.15, 0.9);
}

/// One step of a dense synapse (`weight`: out x in, column-major, so column i holds the
/// weights leaving input i; `bias`: out) on `input` (`in x batch`), updating
/// `state.current` to `W input + b`. With `Propagation::automatic`, chooses the event path
/// when the fraction of changed inputs is below `event_threshold`, or below
/// `event_break_even(batch)` when `event_threshold` is negative (the default).
inline const Matrix& propagate_dense(const Matrix& weight, const Vector& bias, const Matrix& input,
                                     DeltaSynapseState& state, Propagation mode, double event_threshold) {
  const auto dense = [&] {
    state.current.noalias() = weight * input;
    state.current.colwise() += bias;
    ++state.dense_steps;
  };
  if (mode == Propagation::dense) {
    dense();
    return state.current;
  }
  if (!state.primed || state.previous_input.cols() != input.cols()) {
    dense();
    state.previous_input = input;
    state.primed = true;
    return state.current;
  }
  const std::size_t changes = collect_changes(input, state);
  const double density = static_cast<double>(changes) / static_cast<double>(input.size());
  const double threshold = event_threshold < 0.0 ? event_break_even(input.cols()) : event_threshold;
  if (mode == Propagation::automatic && density >= threshold) {
    dense();
    return state.current;
  }
  const std::size_t out = static_cast<std::size_t>(weight.rows());
  for (Eigen::Index j = 0; j < input.cols(); ++j) {
    float* current = state.current.col(j).data();
    for (std::size_t k = state.offsets[static_cast<std::size_t>(j)]; k < state.offsets[static_cast<std::size_t>(j) + 1];
         ++k)
      axpy(state.delta[k], weight.col(state.index[k]).data(), current, out);
  }
  ++state.event_steps;
  return state.current;
}

}  // namespace dualspike
