// IF step kernel throughput (xsimd vs the scalar reference) for N = 1e3 ... 1e7 neurons,
// on one thread and split over the OpenMP threads, next to a STREAM-like triad on the same
// N so the IF step can be read as a fraction of the memory bandwidth.
//   build-bench/benchmarks/bench_if_step [--benchmark_filter=Simd]   (OMP_NUM_THREADS=2 ...)
// Bytes counted per neuron and step: V read + written, input read, output written (16 B);
// per triad element: two reads, one write (12 B). Write-allocate traffic is not counted
// (STREAM's convention), on either side.
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>
#include <dualspike/neurons/if_kernel.hpp>

#ifdef _OPENMP
#include <omp.h>
#endif

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
int threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

// The xsimd kernel on contiguous chunks, one per OpenMP thread (the way a batch-parallel
// engine calls it). First touch of every array by the thread that works on it.
void BM_IfStepSimdParallel(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<float> v(n), in(n), out(n);
  const int nt = threads();
  const auto chunk_of = [&](int t, std::size_t& lo, std::size_t& hi) {
    lo = n * static_cast<std::size_t>(t) / static_cast<std::size_t>(nt);
    hi = n * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(nt);
  };
#pragma omp parallel num_threads(nt)
  {
    int t = 0;
#ifdef _OPENMP
    t = omp_get_thread_num();
#endif
    std::size_t lo = 0, hi = 0;
    chunk_of(t, lo, hi);
    for (std::size_t i = lo; i < hi; ++i) {
      v[i] = 0.0f;
      in[i] = 0.7f * static_cast<float>(static_cast<int>(i % 97) - 48) / 48.0f;
      out[i] = 0.0f;
    }
  }
  for (auto _ : state) {
#pragma omp parallel num_threads(nt)
    {
      int t = 0;
#ifdef _OPENMP
      t = omp_get_thread_num();
#endif
      std::size_t lo = 0, hi = 0;
      chunk_of(t, lo, hi);
      dualspike::if_step(v.data() + lo, in.data() + lo, out.data() + lo, hi - lo, 1.0f, 1.0f);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(n) * 16);
  state.counters["threads"] = nt;
}

// STREAM-like triad a = b + s * c on floats, split over the OpenMP threads (reference line).
void BM_StreamTriad(benchmark::State& state) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  std::vector<float> a(static_cast<std::size_t>(n)), b(a.size()), c(a.size());
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    a[static_cast<std::size_t>(i)] = 0.0f;
    b[static_cast<std::size_t>(i)] = 1.0f;
    c[static_cast<std::size_t>(i)] = 2.0f;
  }
  const float s = 3.0f;
  for (auto _ : state) {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < n; ++i) a[static_cast<std::size_t>(i)] = b[static_cast<std::size_t>(i)] + s * c[static_cast<std::size_t>(i)];
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * 12);
  state.counters["threads"] = threads();
}
}  // namespace

BENCHMARK(BM_IfStepSimd)->RangeMultiplier(10)->Range(1000, 10000000);
BENCHMARK(BM_IfStepScalar)->RangeMultiplier(10)->Range(1000, 10000000);
BENCHMARK(BM_IfStepSimdParallel)->RangeMultiplier(10)->Range(1000, 10000000)->UseRealTime();
BENCHMARK(BM_StreamTriad)->RangeMultiplier(10)->Range(1000, 10000000)->UseRealTime();
BENCHMARK_MAIN();
