// Synaptic propagation of ternary spikes through a 1200 -> 1200 Dense layer (Net1's
// hidden layer) at spike densities 1%, 10%, 50%, 100% (half +Vth, half -Vth), batch 1000
// and batch 1 (BM_SynapticDense), and the SNN's delta propagation of one step's input
// changes on the event and GEMM paths (BM_SynapticDelta). items/s = synaptic operations per second (spikes x fan-out), so paths that
// skip silent neurons show their gain; the counter `spikes` is the spike count per step.
//
//   build-bench/benchmarks/bench_synaptic [--benchmark_filter=Dense]
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_common.hpp"

namespace ds = dualspike;

namespace {

constexpr std::size_t kIn = 1200, kOut = 1200;

/// Ternary spike matrix (kIn x batch) in which `density_percent`% of the entries are
/// non-zero, alternately +1 and -1 (times Vth = 1), at positions drawn from `seed`.
ds::Matrix ternary_spikes(std::size_t batch, int density_percent, std::uint64_t seed = 7) {
  ds::Rng rng(seed);
  ds::Matrix s = ds::Matrix::Zero(static_cast<Eigen::Index>(kIn), static_cast<Eigen::Index>(batch));
  bool positive = true;
  for (Eigen::Index i = 0; i < s.size(); ++i)
    if (rng.uniform(0.0f, 100.0f) < static_cast<float>(density_percent)) {
      s.data()[i] = positive ? 1.0f : -1.0f;
      positive = !positive;
    }
  return s;
}

ds::DenseLayer<kIn, kOut> make_layer() {
  ds::DenseLayer<kIn, kOut> layer;
  ds::Rng rng(3);
  layer.init(rng);
  return layer;
}

void set_counters(benchmark::State& state, const ds::Matrix& spikes) {
  const auto nnz = static_cast<std::int64_t>((spikes.array() != 0.0f).count());
  state.SetItemsProcessed(state.iterations() * nnz * static_cast<std::int64_t>(kOut));
  state.counters["spikes"] = static_cast<double>(nnz);
  state.counters["threads"] = ds::bench::max_threads();
}

// Today's path: a dense GEMM over the spike matrix, whatever the density.
// Args: density (percent), batch.
void BM_SynapticDense(benchmark::State& state) {
  const auto layer = make_layer();
  const ds::Matrix spikes = ternary_spikes(static_cast<std::size_t>(state.range(1)), static_cast<int>(state.range(0)));
  ds::Matrix out;
  for (auto _ : state) {
    layer.forward(spikes, out);
    benchmark::DoNotOptimize(out.data());
  }
  set_counters(state, spikes);
}

}  // namespace

BENCHMARK(BM_SynapticDense)
    ->ArgNames({"density", "batch"})
    ->ArgsProduct({{1, 10, 50, 100}, {1000, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

namespace {

/// `spikes` with `change_percent`% of its entries redrawn as another ternary value.
ds::Matrix with_changes(const ds::Matrix& spikes, int change_percent, std::uint64_t seed = 11) {
  ds::Rng rng(seed);
  ds::Matrix s = spikes;
  for (Eigen::Index i = 0; i < s.size(); ++i)
    if (rng.uniform(0.0f, 100.0f) < static_cast<float>(change_percent))
      s.data()[i] = s.data()[i] == 0.0f ? (rng.below(2) == 0 ? 1.0f : -1.0f) : 0.0f;
  return s;
}

// One time step of the SNN's dense synapse (`propagate_dense`) when `change` percent of the
// inputs differ from the previous step (50% of the inputs spike), on the event path
// (path 1: lists of changed inputs, row-blocked weight panels) or the GEMM path (path 0).
// The state alternates between two spike matrices, so every step sees the same changes.
// items/s = input changes x fan-out per second; `time_per_sample` is the time per sample.
// This is how `event_break_even` was fitted. Args: change (percent), batch, path.
void BM_SynapticDelta(benchmark::State& state) {
  const auto layer = make_layer();
  const auto batch = static_cast<std::size_t>(state.range(1));
  const ds::Matrix a = ternary_spikes(batch, 50);
  const ds::Matrix b = with_changes(a, static_cast<int>(state.range(0)));
  const auto mode = state.range(2) == 1 ? ds::Propagation::event : ds::Propagation::dense;
  ds::detail::DeltaSynapseState st;
  ds::detail::propagate_dense(layer.weight, layer.bias, a, st, ds::Propagation::event, -1.0);  // primes the state
  bool flip = false;
  for (auto _ : state) {
    flip = !flip;
    const ds::Matrix& cur = ds::detail::propagate_dense(layer.weight, layer.bias, flip ? b : a, st, mode, -1.0);
    benchmark::DoNotOptimize(cur.data());
  }
  const auto changes = static_cast<std::int64_t>((a.array() != b.array()).count());
  state.SetItemsProcessed(state.iterations() * changes * static_cast<std::int64_t>(kOut));
  state.counters["changed_fraction"] = static_cast<double>(changes) / static_cast<double>(a.size());
  state.counters["time_per_sample"] = benchmark::Counter(
      static_cast<double>(state.iterations() * static_cast<std::int64_t>(batch)),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(BM_SynapticDelta)
    ->ArgNames({"change", "batch", "path"})
    ->ArgsProduct({{5, 20, 40, 60, 80}, {1, 8, 64, 500}, {0, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
