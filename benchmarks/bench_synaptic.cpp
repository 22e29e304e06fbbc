// Synaptic propagation of ternary spikes through a 1200 -> 1200 Dense layer (Net1's
// hidden layer) at spike densities 1%, 10%, 50%, 100% (half +Vth, half -Vth), batch 1000
// and batch 1. items/s = synaptic operations per second (spikes x fan-out), so paths that
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

// ==== HOOK (lead): event-driven / delta propagation =======================================
// Add BM_SynapticEvent (lists of +1 / -1 indices, add/subtract weight columns) and
// BM_SynapticDelta (propagate s(t) - s(t-1) into a persistent current) here with the same
// ArgsProduct, built on ternary_spikes() and make_layer() above, and call set_counters()
// so items/s stays "SOPs of the full spike train per second" on every path (the delta path
// is then credited with the work it avoided, which is the point). For the delta path, a
// second spike matrix that differs from the first in `change` percent of the entries is
// what to time: ternary_spikes(batch, density, seed) vs the same with a few entries flipped.
// ===========================================================================================

BENCHMARK_MAIN();
