// IF step kernel throughput (xsimd vs the scalar reference) for N neurons.
//   build/benchmarks/bench_if_step
// Bytes counted per neuron and step: V read + written, input read, output written (16 B).
#include <vector>

#include <benchmark/benchmark.h>
#include <dualspike/neurons/if_kernel.hpp>

namespace {
std::vector<float> ramp(std::size_t n, float scale) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * static_cast<float>(static_cast<int>(i % 97) - 48) / 48.0f;
  return v;
}

void BM_IfStepSimd(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<float> v(n, 0.0f), in = ramp(n, 0.7f), out(n);
  for (auto _ : state) {
    dualspike::if_step(v.data(), in.data(), out.data(), n, 1.0f, 1.0f);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(n) * 16);
}

void BM_IfStepScalar(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<float> v(n, 0.0f), in = ramp(n, 0.7f), out(n);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) out[i] = dualspike::if_step_scalar(v[i], in[i], 1.0f, 1.0f);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(n) * 16);
}
}  // namespace

BENCHMARK(BM_IfStepSimd)->RangeMultiplier(10)->Range(1000, 10000000);
BENCHMARK(BM_IfStepScalar)->RangeMultiplier(10)->Range(1000, 10000000);
BENCHMARK_MAIN();
