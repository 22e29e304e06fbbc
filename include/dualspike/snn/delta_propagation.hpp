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
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "../core/errors.hpp"
#include "../core/parallel.hpp"
#include "../core/shape.hpp"
#include "event_reference.hpp"
#include "propagation.hpp"

namespace dualspike::detail {

/// `out` (resized to `v.size() x batch`) holds `v` in every column. (A loop of column
/// copies: Eigen's dynamic `replicate()` divides per element.)
inline void replicate_columns(const Vector& v, Eigen::Index batch, Matrix& out) {
  out.resize(v.size(), batch);
  for (Eigen::Index j = 0; j < batch; ++j) out.col(j) = v;
}

/// Per-run state of one event-driven dense synapse (owned by the runner's run state).
/// Sizes grow with the batch (and the time block), never with T; after the first step
/// nothing is allocated, except when a time block of another length follows.
struct DeltaSynapseState {
  Matrix current;                 ///< I(t), `out x batch`
  Matrix previous_input;          ///< x(t-1), `in x batch`
  /// Time blocks (`propagate_dense_steps`): x(t-1) and I(t) of every step of the block,
  /// `in x (steps * batch)` and `out x (steps * batch)`.
  Matrix block_previous, block_current;
  std::vector<std::int32_t> index;  ///< changed input indices, all samples back to back
  std::vector<float> delta;         ///< x(t) - x(t-1) at those indices
  std::vector<std::size_t> offsets; ///< sample j's changes are [offsets[j], offsets[j+1])
  /// Sample j's changes with input index in tile c (`[c, c+1) * inputs_per_tile`) are
  /// [tile_offsets[j*(tiles+1) + c], tile_offsets[j*(tiles+1) + c + 1]).
  std::vector<std::size_t> tile_offsets;
  bool primed = false;            ///< false until x(0) and I(0) of a run are set
  /// Set by `prime_from` until the first step picks each sample's reference.
  std::shared_ptr<const SynapseReference> pending_reference;
  double last_density = 1.0;      ///< fraction of inputs that changed at the previous step
  /// Steps that used the event path / the dense path since the state was created (for benchmarks and tests).
  std::uint64_t event_steps = 0, dense_steps = 0;

  /// Starts a run from x(0) = 0, whose current is the bias: the first step then costs only
  /// its non-zero inputs (with V(0) = 0, few neurons spike at step 1).
  void prime_from_zero(const Vector& bias, Eigen::Index in_features, Eigen::Index batch) {
    previous_input.setZero(in_features, batch);
    detail::replicate_columns(bias, batch, current);
    pending_reference.reset();  // (left by a run that never took an event step)
    primed = true;
    last_density = 1.0;
  }

  /// Starts a run from calibrated references (`Runner::calibrate`):
  /// at the first step (`start_from_reference`, called by `propagate_dense` and
  /// `propagate_dense_steps`), each sample starts from the reference input nearest to its
  /// step-1 input, whose current was computed once, so step 1 costs only the inputs that
  /// differ from it. Shares `reference` (it stays valid if the network is recalibrated).
  void prime_from(std::shared_ptr<const SynapseReference> reference) {
    pending_reference = std::move(reference);
    primed = false;
    last_density = 1.0;
  }

  /// If a reference is pending (`prime_from`) and its inputs have `x1.rows()` rows, sample
  /// j starts from the reference nearest to `x1.col(j)` (`in x batch`): x(0) and I(0)
  /// become that reference's input and current; then the state is primed and the reference
  /// released. Otherwise nothing happens (the first step then runs on the GEMM path).
  /// Called by `propagate_dense` and `propagate_dense_steps` at every non-dense step.
  void start_from_reference(const Eigen::Ref<const Matrix>& x1) {
    if (!pending_reference || pending_reference->inputs.rows() != x1.rows()) return;
    const SynapseReference& r = *pending_reference;
    previous_input.resize(r.inputs.rows(), x1.cols());
    current.resize(r.currents.rows(), x1.cols());
    for (Eigen::Index j = 0; j < x1.cols(); ++j) {
      const Eigen::Index k = r.nearest(x1.col(j).data());
      previous_input.col(j) = r.inputs.col(k);
      current.col(j) = r.currents.col(k);
    }
    pending_reference.reset();
    primed = true;
  }
};

/// Inputs per weight tile of the event path: a tile of 64 rows (8 AVX2 vectors) x 128
/// inputs is 32 KB and stays in L1 while every sample of the batch adds its changes.
inline constexpr std::size_t inputs_per_tile = 128;

/// The number of entries in which `input` and `previous` (same shape) differ: a vector
/// compare per block, nothing recorded. Used to choose the path before listing changes.
template <class Arch = xsimd::default_arch>
[[nodiscard]] inline std::size_t count_changes(const Matrix& input, const Matrix& previous) noexcept {
  return detail::count_differences<Arch>(input.data(), previous.data(), static_cast<std::size_t>(input.size()));
}

/// Compares `input` with `previous` (same shape), records the changes of every column into
/// the state's change lists (ordered by input index, with the offsets of each input tile),
/// and copies `input` into `previous`. Blocks of one vector without any change cost one
/// compare. \returns the total number of changed entries.
template <class Arch = xsimd::default_arch>
inline std::size_t collect_changes(const Matrix& input, Matrix& previous, DeltaSynapseState& state) {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t width = batch::size;
  static_assert(inputs_per_tile % width == 0);
  const std::size_t rows = static_cast<std::size_t>(input.rows());
  const std::size_t cols = static_cast<std::size_t>(input.cols());
  const std::size_t tiles = (rows + inputs_per_tile - 1) / inputs_per_tile;
  // + width: the branch-free loop below writes one slot past the last change.
  state.index.resize(rows * cols + width);
  state.delta.resize(rows * cols + width);
  state.offsets.resize(cols + 1);
  state.tile_offsets.resize(cols * (tiles + 1));
  std::int32_t* index = state.index.data();
  float* delta = state.delta.data();
  std::size_t count = 0;
  const auto scalar = [&](const float* x, float* prev, std::size_t i) {
    index[count] = static_cast<std::int32_t>(i);
    delta[count] = x[i] - prev[i];
    count += x[i] != prev[i] ? 1 : 0;
    prev[i] = x[i];
  };
  for (std::size_t j = 0; j < cols; ++j) {
    state.offsets[j] = count;
    std::size_t* tile_offsets = state.tile_offsets.data() + j * (tiles + 1);
    const float* x = input.data() + j * static_cast<std::size_t>(input.outerStride());
    float* prev = previous.data() + j * static_cast<std::size_t>(previous.outerStride());
    std::size_t i0 = 0;
    for (; i0 + width <= rows; i0 += width) {
      if (i0 % inputs_per_tile == 0) tile_offsets[i0 / inputs_per_tile] = count;
      const batch bx = batch::load_unaligned(x + i0);
      if (xsimd::any(bx != batch::load_unaligned(prev + i0)))
        for (std::size_t i = i0; i < i0 + width; ++i) scalar(x, prev, i);
    }
    if (i0 % inputs_per_tile == 0 && i0 < rows) tile_offsets[i0 / inputs_per_tile] = count;
    for (; i0 < rows; ++i0) scalar(x, prev, i0);
    tile_offsets[tiles] = count;
  }
  state.offsets[cols] = count;
  return count;
}

/// `collect_changes` against the previous step's input, `state.previous_input`.
template <class Arch = xsimd::default_arch>
inline std::size_t collect_changes(const Matrix& input, DeltaSynapseState& state) {
  return collect_changes<Arch>(input, state.previous_input, state);
}

/// Adds every sample's changes of input tile `tile` to rows [r0, r0 + NV * width) of its
/// current, keeping those rows in NV vector registers while the changes are walked.
template <std::size_t NV, class Arch>
inline void apply_changes_tile(const float* weight, std::size_t ld, const DeltaSynapseState& st, std::size_t tiles,
                               std::size_t tile, float* current, std::size_t ld_current, std::size_t samples,
                               std::size_t r0) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t width = batch::size;
  const std::int32_t* index = st.index.data();
  const float* delta = st.delta.data();
  for (std::size_t j = 0; j < samples; ++j) {
    const std::size_t begin = st.tile_offsets[j * (tiles + 1) + tile];
    const std::size_t end = st.tile_offsets[j * (tiles + 1) + tile + 1];
    if (begin == end) continue;
    float* cur = current + j * ld_current + r0;
    if constexpr (NV == 1) {
      // One vector of rows (a narrow layer, e.g. the 10 outputs): 4 accumulators, so the
      // FMAs do not wait for each other's latency.
      batch acc[4] = {batch::load_unaligned(cur), batch(0.0f), batch(0.0f), batch(0.0f)};
      std::size_t k = begin;
      for (; k + 4 <= end; k += 4)
        for (std::size_t u = 0; u < 4; ++u)
          acc[u] = xsimd::fma(batch(delta[k + u]),
                              batch::load_unaligned(weight + static_cast<std::size_t>(index[k + u]) * ld + r0), acc[u]);
      for (; k < end; ++k)
        acc[0] = xsimd::fma(batch(delta[k]), batch::load_unaligned(weight + static_cast<std::size_t>(index[k]) * ld + r0),
                            acc[0]);
      ((acc[0] + acc[1]) + (acc[2] + acc[3])).store_unaligned(cur);
    } else {
      batch acc[NV];
      for (std::size_t v = 0; v < NV; ++v) acc[v] = batch::load_unaligned(cur + v * width);
      for (std::size_t k = begin; k < end; ++k) {
        const float* w = weight + static_cast<std::size_t>(index[k]) * ld + r0;
        const batch d(delta[k]);
        for (std::size_t v = 0; v < NV; ++v) acc[v] = xsimd::fma(d, batch::load_unaligned(w + v * width), acc[v]);
      }
      for (std::size_t v = 0; v < NV; ++v) acc[v].store_unaligned(cur + v * width);
    }
  }
}

/// Rows [r0, r0 + NV * width) of every sample's current, all input tiles.
template <std::size_t NV, class Arch>
inline void apply_changes_rows(const Matrix& weight, const DeltaSynapseState& st, Matrix& current,
                               std::size_t r0) noexcept {
  const std::size_t tiles = (static_cast<std::size_t>(weight.cols()) + inputs_per_tile - 1) / inputs_per_tile;
  for (std::size_t c = 0; c < tiles; ++c)
    apply_changes_tile<NV, Arch>(weight.data(), static_cast<std::size_t>(weight.outerStride()), st, tiles, c,
                                 current.data(), static_cast<std::size_t>(current.outerStride()),
                                 static_cast<std::size_t>(current.cols()), r0);
}

/// The event path over a whole batch: `current[:, j] += sum_k delta_k * W[:, index_k]`
/// over sample j's recorded changes (from `collect_changes`). The weights are walked in
/// tiles of 64 rows (8 AVX2 vectors) x `inputs_per_tile` inputs, 32 KB, which stay in L1
/// while every sample of the batch adds its changes from that tile; each sample's 64 rows
/// of current stay in registers meanwhile, and in L2 from one input tile to the next.
/// Remaining rows go in one pass of up to 7 vectors, then scalar. Allocation-free; `noexcept`; row
/// tiles run on OpenMP threads for batches of 64 and more outside a parallel region.
template <class Arch = xsimd::default_arch>
inline void apply_changes(const Matrix& weight, const DeltaSynapseState& st, Matrix& current) noexcept {
  constexpr std::size_t width = xsimd::batch<float, Arch>::size;
  const std::size_t out = static_cast<std::size_t>(weight.rows());
  // Row tiles write disjoint rows: OpenMP threads share them when `step` runs a large batch
  // itself (inside `simulate`'s per-thread tiles this nested region runs on one thread).
  const auto row_tiles = static_cast<std::ptrdiff_t>(out / (8 * width));
  DUALSPIKE_OMP(parallel for schedule(static) if (current.cols() >= 64 && row_tiles > 1))
  for (std::ptrdiff_t t = 0; t < row_tiles; ++t)
    detail::apply_changes_rows<8, Arch>(weight, st, current, static_cast<std::size_t>(t) * 8 * width);
  std::size_t r0 = static_cast<std::size_t>(row_tiles) * 8 * width;
  // The remaining 1-7 full vectors of rows in one pass over the changes (Net1's 1,200 rows:
  // 18 tiles of 64, then 48 rows).
  const std::size_t rest = (out - r0) / width;
  [&]<std::size_t... N>(std::index_sequence<N...>) {
    ((rest == N + 1 ? detail::apply_changes_rows<N + 1, Arch>(weight, st, current, r0) : void()), ...);
  }(std::make_index_sequence<7>{});
  r0 += rest * width;
  if (r0 < out) {
    const std::size_t ld = static_cast<std::size_t>(weight.outerStride());
    for (Eigen::Index j = 0; j < current.cols(); ++j) {
      float* cur = current.col(j).data();
      for (std::size_t k = st.offsets[static_cast<std::size_t>(j)]; k < st.offsets[static_cast<std::size_t>(j) + 1]; ++k) {
        const float* w = weight.data() + static_cast<std::size_t>(st.index[k]) * ld;
        for (std::size_t r = r0; r < out; ++r) cur[r] += st.delta[k] * w[r];
      }
    }
  }
}

/// The GEMM path: `out = W input + b` (every column of `input` a sample or a step).
inline void dense_current(const Matrix& weight, const Vector& bias, const Matrix& input, Matrix& out) {
  out.noalias() = weight * input;
  out.colwise() += bias;
}

/// Chooses the path of one `Propagation::automatic` step: true for the event path, with
/// the changes listed; false for the GEMM path. Either way `previous_input` becomes `input`.
/// After a step with few changes the changes are listed at once (their count decides);
/// after a dense step they are first counted, which is cheaper than listing them in vain.
inline bool choose_event_path(const Matrix& input, DeltaSynapseState& state, double threshold) {
  const auto size = static_cast<double>(input.size());
  if (state.last_density >= 0.5 * threshold) {
    state.last_density = static_cast<double>(count_changes(input, state.previous_input)) / size;
    if (state.last_density >= threshold) {
      state.previous_input = input;
      return false;
    }
  }
  state.last_density = static_cast<double>(collect_changes(input, state)) / size;
  return state.last_density < threshold;
}

/// The fraction of changed inputs below which the event path beats the GEMM path for a
/// batch of `batch` samples on one thread. A GEMV (batch 1) is memory-bound and reads
/// every weight, so events win almost always; a large GEMM reuses each weight across the
/// batch at ~35 GMAC/s per core, while the tiled event path adds ~15 G weights/s, so events
/// win below about 40-50% of the inputs changing. Fitted to `OMP_NUM_THREADS=1 bench_synaptic
/// --benchmark_filter=Delta` (1200 x 1200 layer, 50% spiking inputs; docs/benchmarks.md),
/// break-even near 0.85 at batch 1, 0.7 at 8, 0.55 at 64, 0.4-0.5 at 500 (0.4 in a repeat,
/// and Net1's step 1 at batch 500 with 45% changed inputs ran ~10% faster on the GEMM):
/// `0.9 - 0.08 log2(batch)`, clamped to [0.4, 0.9].
[[nodiscard]] inline double event_break_even(Eigen::Index batch) noexcept {
  const double t = 0.9 - 0.08 * std::log2(static_cast<double>(std::max<Eigen::Index>(batch, 1)));
  return std::clamp(t, 0.4, 0.9);
}

/// One step of a dense synapse (`weight`: out x in, column-major, so column i holds the
/// weights leaving input i; `bias`: out) on `input` (`in x batch`), updating
/// `state.current` to `W input + b`. At the first step after `prime_from`, each sample
/// starts from its nearest reference. With `Propagation::automatic`, chooses the event path
/// when the fraction of changed inputs is below `event_threshold`, or below
/// `event_break_even(batch)` when `event_threshold` is negative (the default).
inline const Matrix& propagate_dense(const Matrix& weight, const Vector& bias, const Matrix& input,
                                     DeltaSynapseState& state, Propagation mode, double event_threshold) {
  const auto dense = [&] {
    detail::dense_current(weight, bias, input, state.current);
    ++state.dense_steps;
  };
  if (mode == Propagation::dense) {
    dense();
    state.primed = false;  // previous_input is stale: a later event step starts on the GEMM path
    return state.current;
  }
  state.start_from_reference(input);
  if (!state.primed || state.previous_input.cols() != input.cols()) {
    dense();
    state.previous_input = input;
    state.primed = true;
    return state.current;
  }
  if (mode == Propagation::event) {
    collect_changes(input, state);
  } else if (!choose_event_path(input, state,
                                event_threshold < 0.0 ? event_break_even(input.cols()) : event_threshold)) {
    dense();
    return state.current;
  }
  apply_changes(weight, state, state.current);
  ++state.event_steps;
  return state.current;
}

/// A block of `steps` time steps of a dense synapse at once (time-blocked evaluation,
/// `Runner::run`): `input` is `in x (steps * batch)`, holding step t's inputs
/// in columns [t * batch, (t + 1) * batch); \returns the currents I(t) in the same layout
/// (`out x (steps * batch)`, `state.block_current`). The changes of all steps are applied
/// as one batch of `steps * batch` columns, so each weight tile is read once per block
/// rather than once per step, and then summed over the steps:
///     I(t) = I(t-1) + W (x(t) - x(t-1)),   x(t0) and I(t0) from the state.
/// Equal to `steps` calls of `propagate_dense` up to float rounding. The path is chosen
/// for the whole block as in `propagate_dense` (break-even of `steps * batch` columns).
/// A state that was not primed for `batch` samples of this synapse runs the block on the
/// GEMM path. \throws ShapeError unless `batch` > 0, `input.cols()` is a multiple of it
/// and `input` has the weight's number of inputs as rows.
inline const Matrix& propagate_dense_steps(const Matrix& weight, const Vector& bias, const Matrix& input,
                                           Eigen::Index batch, DeltaSynapseState& state, Propagation mode,
                                           double event_threshold) {
  if (batch <= 0 || input.cols() % batch != 0 || input.rows() != weight.cols())
    throw ShapeError("propagate_dense_steps: input is " + std::to_string(input.rows()) + " x " +
                     std::to_string(input.cols()) + " with batch = " + std::to_string(batch) + ", expected " +
                     std::to_string(weight.cols()) + " rows and a positive batch that divides the columns");
  const Eigen::Index cols = input.cols();
  const Eigen::Index steps = cols / batch;
  Matrix& out = state.block_current;
  if (mode != Propagation::dense) state.start_from_reference(input.leftCols(batch));
  bool events = mode != Propagation::dense && state.primed && state.previous_input.cols() == batch &&
                state.previous_input.rows() == input.rows();
  if (events) {
    // x(t-1) of every column: the state's input, then the block shifted by one step.
    state.block_previous.resize(input.rows(), cols);
    state.block_previous.leftCols(batch) = state.previous_input;
    state.block_previous.rightCols(cols - batch) = input.leftCols(cols - batch);
  }
  if (events && mode == Propagation::automatic) {
    const double threshold = event_threshold < 0.0 ? event_break_even(cols) : event_threshold;
    events = static_cast<double>(count_changes(input, state.block_previous)) < threshold * static_cast<double>(input.size());
  }
  if (events) {
    collect_changes(input, state.block_previous, state);
    out.setZero(weight.rows(), cols);
    apply_changes(weight, state, out);
    out.leftCols(batch) += state.current;
    for (Eigen::Index t = 1; t < steps; ++t) out.middleCols(t * batch, batch) += out.middleCols((t - 1) * batch, batch);
    state.event_steps += static_cast<std::uint64_t>(steps);
  } else {
    detail::dense_current(weight, bias, input, out);
    state.dense_steps += static_cast<std::uint64_t>(steps);
  }
  state.previous_input = input.rightCols(batch);
  state.current = out.rightCols(batch);
  state.primed = true;
  return out;
}

}  // namespace dualspike::detail
