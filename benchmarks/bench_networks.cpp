// Network throughput of Net1 and Net2: ANN inference, SNN inference at T = 1, 3, 8, 32
// (batch 1000 and batch 1), the whole 10k MNIST test set through `simulate`, Net1's first
// step against the number of event references, and one training epoch (Net1, Net2, Net4).
// items/s = images/s (wall time; every case uses all OpenMP threads).
//
//   build-bench/benchmarks/bench_networks                      # all, OMP_NUM_THREADS threads
//   OMP_NUM_THREADS=1 build-bench/benchmarks/bench_networks --benchmark_filter='batch:1$'
//
// Weights: $DUALSPIKE_WEIGHTS (a safetensors file with PyTorch state_dict names, e.g. the
// main job's or benchmarks/compare's out/compare/net1.safetensors); otherwise Net1 is
// trained at start-up for one epoch on $DUALSPIKE_BENCH_TRAIN_IMAGES MNIST training images
// (default 60000, ~10 s on 2 cores; Adam, constant lr 3e-3 = the main job's learning rate,
// which gives the saturated stReLU units of a trained net). Only the cases that need
// weights trigger this. Data: $DUALSPIKE_DATA_DIR (default <source>/data/mnist).
// $DUALSPIKE_PROPAGATION = dense | event | automatic (default) forces the SNN's synaptic path.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_common.hpp"

namespace ds = dualspike;

namespace {

/// Per-network settings of the benchmarks. A network gets benchmarks by specializing this
/// and registering the templates below (see the HOOK at the end of this file).
template <class Net>
struct NetTraits;

template <>
struct NetTraits<ds::nets::Net1> {
  static constexpr const char* name = "Net1";
  static constexpr const char* weights_env = "DUALSPIKE_WEIGHTS";
  static constexpr float start_up_lr = 3e-3f;
  static ds::Dataset load(ds::Split split) { return ds::load_mnist_split(ds::bench::mnist_dir(), split); }
};

template <>
struct NetTraits<ds::nets::Net2> {
  static constexpr const char* name = "Net2";
  static constexpr const char* weights_env = "DUALSPIKE_NET2_WEIGHTS";
  static constexpr float start_up_lr = 3e-3f;
  static ds::Dataset load(ds::Split split) { return ds::load_mnist_split(ds::bench::mnist_dir(), split); }
};

/// Data, weights and pre-cut input batches for one network, built on first use.
template <class Net>
struct Context {
  using Snn = ds::Runner<decltype(ds::to_snn(std::declval<const Net&>()))>;
  ds::Dataset train_set, test_set;
  Net ann;
  std::optional<Snn> snn;  // built with the context
  std::vector<ds::Matrix> batches_1000, batches_1;  // the test set cut into batches
  std::string error;                                // set if the context could not be built

  static const Context& get() {
    static std::once_flag once;
    static std::unique_ptr<Context> ctx;
    std::call_once(once, [] { ctx = std::make_unique<Context>(); ctx->build(); });
    return *ctx;
  }

  [[nodiscard]] const std::vector<ds::Matrix>& batches(std::size_t size) const {
    return size == 1 ? batches_1 : batches_1000;
  }

 private:
  void build() try {
    using T = NetTraits<Net>;
    test_set = T::load(ds::Split::test);
    const std::string weights = ds::bench::env_or(T::weights_env, "");
    if (!weights.empty()) {
      ds::load_safetensors(ann, weights);
      std::fprintf(stderr, "[%s] weights from %s\n", T::name, weights.c_str());
    } else {
      train_set = T::load(ds::Split::train);
      const std::size_t images = std::stoul(ds::bench::env_or("DUALSPIKE_BENCH_TRAIN_IMAGES", "60000"));
      std::fprintf(stderr, "[%s] no $%s: training 1 epoch on %zu images (Adam %g, batch 128) ...\n", T::name,
                   T::weights_env, std::min(images, train_set.size()), static_cast<double>(T::start_up_lr));
      const auto reports = ds::bench::train_net(ann, train_set, images, T::start_up_lr);
      std::fprintf(stderr, "[%s] trained in %.1f s\n", T::name, reports.back().seconds);
    }
    std::fprintf(stderr, "[%s] ANN test accuracy %.2f%%\n", T::name, 100.0 * ds::evaluate(ann, test_set).accuracy);
    snn.emplace(ds::to_snn(ann));
    // $DUALSPIKE_EVENT_REFERENCE = none: runs start from x(0) = 0; by default the event path
    // starts from the reference calibrated on the first 1,000 training images.
    if (ds::bench::env_or("DUALSPIKE_EVENT_REFERENCE", "") != "none") {
      if (train_set.size() == 0) train_set = T::load(ds::Split::train);
      snn->calibrate(
          train_set.images.leftCols(std::min<Eigen::Index>(1000, static_cast<Eigen::Index>(train_set.size()))));
      std::fprintf(stderr, "[%s] event reference calibrated on 1000 training images\n", T::name);
    }
    // $DUALSPIKE_PROPAGATION = dense | event | automatic (default) forces the SNN's path.
    const std::string propagation = ds::bench::env_or("DUALSPIKE_PROPAGATION", "automatic");
    if (propagation == "dense") snn->set_propagation(ds::Propagation::dense);
    else if (propagation == "event") snn->set_propagation(ds::Propagation::event);
    else if (propagation != "automatic") throw ds::ConfigError("DUALSPIKE_PROPAGATION = '" + propagation + "', expected dense, event or automatic");
    for (std::size_t first = 0; first < test_set.size(); first += 1000)
      batches_1000.push_back(test_set.images.middleCols(static_cast<Eigen::Index>(first),
                                                        static_cast<Eigen::Index>(std::min<std::size_t>(1000, test_set.size() - first))));
    for (Eigen::Index j = 0; j < std::min<Eigen::Index>(1000, test_set.images.cols()); ++j)
      batches_1.emplace_back(test_set.images.col(j));
  } catch (const std::exception& e) {
    error = e.what();
  }
};

template <class Net>
bool ready(benchmark::State& state, const Context<Net>& ctx) {
  if (!ctx.error.empty()) {
    state.SkipWithError(ctx.error.c_str());
    return false;
  }
  return true;
}

// ANN inference: `predict` on batches of the test set. Args: batch.
template <class Net>
void BM_AnnInference(benchmark::State& state) {
  const auto& ctx = Context<Net>::get();
  if (!ready(state, ctx)) return;
  const auto& batches = ctx.batches(static_cast<std::size_t>(state.range(0)));
  std::size_t k = 0;
  std::int64_t images = 0;
  for (auto _ : state) {
    const ds::Matrix y = ctx.ann.predict(batches[k]);
    benchmark::DoNotOptimize(y.data());
    images += batches[k].cols();
    k = (k + 1) % batches.size();
  }
  state.SetItemsProcessed(images);
  state.counters["threads"] = ds::bench::max_threads();
}

// SNN inference: begin + run(T) (time blocks for batches up to 31) + argmax of the readout,
// on batches of the test set.
// Args: T, batch.
template <class Net>
void BM_SnnInference(benchmark::State& state) {
  const auto& ctx = Context<Net>::get();
  if (!ready(state, ctx)) return;
  const auto T = static_cast<std::size_t>(state.range(0));
  const auto& batches = ctx.batches(static_cast<std::size_t>(state.range(1)));
  typename Context<Net>::Snn::State st;
  std::vector<std::int32_t> predicted(static_cast<std::size_t>(batches.front().cols()));
  std::size_t k = 0;
  std::int64_t images = 0;
  for (auto _ : state) {
    ctx.snn->begin(batches[k], st);
    ctx.snn->run(st, T);
    predicted.resize(static_cast<std::size_t>(batches[k].cols()));
    ds::argmax_columns(st.readout(), predicted);
    benchmark::DoNotOptimize(predicted.data());
    images += batches[k].cols();
    k = (k + 1) % batches.size();
  }
  state.SetItemsProcessed(images);
  state.counters["threads"] = ds::bench::max_threads();
}

// `begin` + step 1 with the event references of layer 2 (Net1's second dense synapse)
// calibrated on the first 1,000 training images, on batches of 1000 test images.
// Args: references per synapse (0: none, runs start from x(0) = 0). Counter:
// step1_changes = layer-2 inputs (of 1,200) that differ from each image's starting point
// at step 1, as listed by the event path, averaged over the 10k test images.
void BM_Net1FirstStep(benchmark::State& state) {
  const auto& ctx = Context<ds::nets::Net1>::get();
  if (!ready(state, ctx)) return;
  auto snn = *ctx.snn;
  if (state.range(0) == 0) {
    snn.clear_calibration();
  } else {
    const auto calibrate = [&](const ds::Matrix& images) {
      snn.calibrate(images.leftCols(std::min<Eigen::Index>(1000, images.cols())), static_cast<std::size_t>(state.range(0)));
    };
    if (ctx.train_set.size() > 0) calibrate(ctx.train_set.images);
    else calibrate(NetTraits<ds::nets::Net1>::load(ds::Split::train).images);
  }
  using Snn = decltype(snn);
  typename Snn::State st;
  const ds::RunnerOptions options = snn.options();
  snn.set_propagation(ds::Propagation::event);
  double changes = 0.0, images = 0.0;
  for (const auto& batch : ctx.batches_1000) {
    snn.begin(batch, st);
    snn.step(st);
    changes += static_cast<double>(st.template layer_state<2>().offsets.back());
    images += static_cast<double>(batch.cols());
  }
  snn.set_propagation(options.propagation, options.event_threshold);
  std::size_t k = 0;
  std::int64_t done = 0;
  for (auto _ : state) {
    snn.begin(ctx.batches_1000[k], st);
    snn.step(st);
    benchmark::DoNotOptimize(st.readout().data());
    done += ctx.batches_1000[k].cols();
    k = (k + 1) % ctx.batches_1000.size();
  }
  state.SetItemsProcessed(done);
  state.counters["step1_changes"] = changes / images;
  state.counters["threads"] = ds::bench::max_threads();
}

// `simulate` over the whole test set (per-step accuracy and spike counts included), as a
// user runs it. Args: T. Counter: accuracy after T steps.
template <class Net>
void BM_Simulate(benchmark::State& state) {
  const auto& ctx = Context<Net>::get();
  if (!ready(state, ctx)) return;
  ds::SimulateOptions opt;
  opt.time_steps = static_cast<std::size_t>(state.range(0));
  opt.batch_size = 1000;
  ds::bench::set_simulate_threads(opt, ds::bench::max_threads());
  double accuracy = 0.0;
  for (auto _ : state) accuracy = ds::simulate(*ctx.snn, ctx.test_set, opt).accuracy.back();
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(ctx.test_set.size()));
  state.counters["accuracy"] = accuracy;
  state.counters["threads"] = ds::bench::max_threads();
}

// One training epoch on the 60k MNIST training images: batch 128, Adam lr 1e-3 (constant),
// from a fresh initialization each iteration.
/// Times one epoch per iteration of a freshly initialized `Net` on `train_set` (batch 128,
/// Adam 1e-3, constant); shared by the Net1 and the convolutional-network cases.
template <class Net>
void run_train_epochs(benchmark::State& state, const ds::Dataset& train_set) {
  ds::TrainOptions opt;
  opt.epochs = 1;
  opt.batch_size = 128;
  opt.schedule.kind = ds::LrSchedule::Kind::constant;
  double accuracy = 0.0;
  for (auto _ : state) {
    state.PauseTiming();
    Net net;
    net.init(1);
    state.ResumeTiming();
    accuracy = ds::train(net, train_set, ds::Adam{1e-3f}, opt).back().accuracy;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(train_set.size()));
  state.counters["train_accuracy"] = accuracy;
  state.counters["threads"] = ds::bench::max_threads();
}

template <class Net>
void BM_TrainEpoch(benchmark::State& state) {
  const auto& ctx = Context<Net>::get();
  if (!ready(state, ctx)) return;
  const ds::Dataset train_set =
      ctx.train_set.size() > 0 ? ctx.train_set : NetTraits<Net>::load(ds::Split::train);
  run_train_epochs<Net>(state, train_set);
}

}  // namespace

BENCHMARK_TEMPLATE(BM_AnnInference, ds::nets::Net1)->ArgName("batch")->Arg(1000)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_SnnInference, ds::nets::Net1)
    ->ArgNames({"T", "batch"})
    ->ArgsProduct({{1, 3, 8, 32}, {1000, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Simulate, ds::nets::Net1)->ArgName("T")->Arg(3)->Arg(32)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Net1FirstStep)->ArgName("references")->Arg(0)->Arg(1)->Arg(4)->Arg(16)->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_TrainEpoch, ds::nets::Net1)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);
// Net2 (conv 12c5 - pool - conv 64c5 - pool - 10, issue 4's second network): the same
// inference cases. Weights: $DUALSPIKE_NET2_WEIGHTS (e.g. `paper_net --net net2`'s
// ann.safetensors), else one epoch at start-up (~35 s on 2 cores).
BENCHMARK_TEMPLATE(BM_AnnInference, ds::nets::Net2)->ArgName("batch")->Arg(1000)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_SnnInference, ds::nets::Net2)
    ->ArgNames({"T", "batch"})
    ->ArgsProduct({{1, 3, 8, 32}, {1000, 1}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Simulate, ds::nets::Net2)->ArgName("T")->Arg(3)->Arg(32)->UseRealTime()->Unit(benchmark::kMillisecond);

// Training throughput of the convolutional networks of Table 1 (issue 3): one epoch on the
// 60k training images of their data set (MNIST for Net2, Fashion-MNIST for Net4), batch 128,
// Adam 1e-3, from a fresh initialization; no weights or test set needed.
namespace {
template <>
struct NetTraits<ds::nets::Net4> {
  static constexpr const char* name = "Net4";
  static ds::Dataset load(ds::Split split) {
    return ds::load_mnist_split(ds::bench::env_or("DUALSPIKE_FASHION_DIR", DUALSPIKE_SOURCE_DIR "/data/fashion-mnist"),
                                split);
  }
};

template <class Net>
void BM_TrainEpochConv(benchmark::State& state) {
  ds::Dataset train_set;
  try {
    train_set = NetTraits<Net>::load(ds::Split::train);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  run_train_epochs<Net>(state, train_set);
}
}  // namespace
// A small dense network (784-100-10), where every product is below
// ds::kParallelProductWork (core/linalg.hpp): with OMP_NUM_THREADS=2 on a machine whose
// cores are busy, it must train about as fast as with one thread (docs/benchmarks.md).
namespace {
using Small = ds::Sequential<ds::Input<ds::Shape<784>>, ds::Dense<100>, ds::StReLU<>, ds::Dense<10>>;
template <>
struct NetTraits<Small> {
  static constexpr const char* name = "784-100-10";
  static ds::Dataset load(ds::Split split) { return ds::load_mnist_split(ds::bench::mnist_dir(), split); }
};
}  // namespace
BENCHMARK_TEMPLATE(BM_TrainEpochConv, Small)->Name("BM_TrainEpochSmall")->Iterations(3)->UseRealTime()->Unit(benchmark::kSecond);
BENCHMARK_TEMPLATE(BM_TrainEpochConv, ds::nets::Net2)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);
BENCHMARK_TEMPLATE(BM_TrainEpochConv, ds::nets::Net4)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

// The narrow Net5 (CIFAR-10, BatchNorm after every convolution): an "epoch" of the first
// 10,000 training images, normalized per channel, no augmentation - the per-image cost of
// paper_net's epochs.
namespace {
template <>
struct NetTraits<ds::nets::Net5Narrow> {
  static constexpr const char* name = "Net5Narrow";
  static ds::Dataset load(ds::Split split) {
    ds::Dataset d = ds::load_cifar10_split(
        ds::bench::env_or("DUALSPIKE_CIFAR10_DIR", DUALSPIKE_SOURCE_DIR "/data/cifar10"), split);
    if (d.size() > 10000) d = d.slice(0, 10000);
    ds::normalize_channels(d, ds::kCifar10Mean, ds::kCifar10Std);  // as paper_net
    return d;
  }
};
}  // namespace
BENCHMARK_TEMPLATE(BM_TrainEpochConv, ds::nets::Net5Narrow)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

BENCHMARK_MAIN();
