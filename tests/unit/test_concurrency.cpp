// Concurrent inference on ONE const network: several std::threads run the ANN
// (`predict`), the converted SNN (`Runner::begin` / `step` with one State per thread) and
// `simulate`, and must get exactly what a single-threaded run gets. Part of the normal
// suite; the `tsan` preset (CMakePresets.json, scripts/sanitize.sh tsan) runs it under
// ThreadSanitizer to show the shared network is only read.
#include <doctest/doctest.h>

#include <dualspike/activations/threshold.hpp>
#include <dualspike/convert/to_snn.hpp>
#include <dualspike/core/random.hpp>
#include <dualspike/data/dataset.hpp>
#include <dualspike/layers/dense.hpp>
#include <dualspike/network/sequential.hpp>
#include <dualspike/snn/simulate.hpp>

#include <atomic>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

namespace ds = dualspike;

namespace {

using Net = ds::Sequential<ds::Input<ds::Shape<64>>, ds::Dense<48>, ds::StReLU<>, ds::Dense<32>, ds::StReLU<>,
                           ds::Dense<10>>;

constexpr std::size_t kThreads = 4;
constexpr std::size_t kRepeats = 3;
constexpr std::size_t kSteps = 12;
constexpr Eigen::Index kBatch = 16;

/// Inputs in [0, 1) from a fixed seed; sample j is column j.
ds::Matrix inputs(std::uint64_t seed) {
  ds::Rng rng(seed);
  ds::Matrix x(64, kBatch);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform(0.0f, 1.0f);
  return x;
}

/// A trained-looking ANN: seed-3 weights, scaled up so the hidden units saturate and the
/// SNN spikes a lot (positive and negative).
Net make_ann() {
  Net ann;
  ann.init(3);
  ann.get<0>().weight *= 4.0f;
  ann.get<2>().weight *= 3.0f;
  return ann;
}

/// The SNN's readout after every step 1..kSteps for input x, concatenated.
template <class Runner>
std::vector<ds::Matrix> run_snn(const Runner& runner, const ds::Matrix& x) {
  auto state = runner.begin(x);
  std::vector<ds::Matrix> readouts;
  for (std::size_t t = 0; t < kSteps; ++t) {
    runner.step(state);
    readouts.push_back(state.readout());
  }
  return readouts;
}

}  // namespace

TEST_CASE("concurrency: threads sharing one const ANN and its SNN get the single-threaded results") {
  const Net ann = make_ann();
  const ds::Runner runner(ds::to_snn(ann));

  std::vector<ds::Matrix> xs;
  for (std::size_t k = 0; k < kThreads; ++k) xs.push_back(inputs(100 + k));

  // Single-threaded reference.
  std::vector<ds::Matrix> ann_ref;
  std::vector<std::vector<ds::Matrix>> snn_ref;
  for (const auto& x : xs) {
    ann_ref.push_back(ann.predict(x));
    snn_ref.push_back(run_snn(runner, x));
  }
  // The SNN must be doing something: spikes of both signs in the reference run.
  {
    auto s = runner.begin(xs[0]);
    std::size_t spikes = 0;
    for (std::size_t t = 0; t < kSteps; ++t) {
      runner.step(s);
      for (std::size_t c : s.spikes()) spikes += c;
    }
    CHECK(spikes > 100);
  }

  // kThreads threads, each on its own input (and then on the others'), kRepeats times.
  std::atomic<std::size_t> mismatches{0}, runs{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < kThreads; ++k) {
    threads.emplace_back([&, k] {
      while (!go.load()) std::this_thread::yield();  // start together
      for (std::size_t r = 0; r < kRepeats; ++r) {
        const std::size_t i = (k + r) % kThreads;
        if (ann.predict(xs[i]) != ann_ref[i]) ++mismatches;
        const auto readouts = run_snn(runner, xs[i]);
        for (std::size_t t = 0; t < kSteps; ++t)
          if (readouts[t] != snn_ref[i][t]) ++mismatches;
        ++runs;
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  CHECK(runs.load() == kThreads * kRepeats);
  CHECK(mismatches.load() == 0);
}

TEST_CASE("concurrency: simulate on one const SNN from several threads gives identical results") {
  const Net ann = make_ann();
  const auto snn = ds::to_snn(ann);
  ds::Dataset data;
  data.images = inputs(7);
  data.channels = 64;
  data.height = 1;
  data.width = 1;
  data.num_classes = 10;
  for (Eigen::Index j = 0; j < kBatch; ++j) data.labels.push_back(static_cast<std::int32_t>(j % 10));
  ds::SimulateOptions opt;
  opt.time_steps = kSteps;
  opt.batch_size = 5;  // several batches, the last one partial
  const ds::SimulationResult ref = ds::simulate(snn, data, opt);

  std::vector<ds::SimulationResult> results(kThreads);
  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < kThreads; ++k)
    threads.emplace_back([&, k] { results[k] = ds::simulate(snn, data, opt); });
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    CHECK(r.accuracy == ref.accuracy);
    CHECK(r.spikes_per_sample == ref.spikes_per_sample);
    CHECK(r.sops_per_sample == ref.sops_per_sample);
    CHECK(r.sops_per_layer == ref.sops_per_layer);
    CHECK(r.spikes_per_layer == ref.spikes_per_layer);
  }
}
