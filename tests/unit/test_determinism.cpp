// Reductions give bit-identical results for 1, 2, 3 and 4 OpenMP threads and across
// repeated runs (Dense, Conv2d, BatchNorm, training's loss and accuracy), with batch sizes
// that do and do not divide by the thread count; sums that cancel (1e8, 1, -1e8, 1) are
// exact; and every layer's backward is right when `dx` is `&dy`.
#include <doctest/doctest.h>

#include <dualspike/activations/threshold.hpp>
#include <dualspike/core/linalg.hpp>
#include <dualspike/core/random.hpp>
#include <dualspike/data/dataset.hpp>
#include <dualspike/layers/avg_pool2d.hpp>
#include <dualspike/layers/batch_norm.hpp>
#include <dualspike/layers/conv2d.hpp>
#include <dualspike/layers/dense.hpp>
#include <dualspike/layers/dropout.hpp>
#include <dualspike/layers/flatten.hpp>
#include <dualspike/network/evaluate.hpp>
#include <dualspike/network/sequential.hpp>
#include <dualspike/train/optimizer.hpp>
#include <dualspike/train/trainer.hpp>

#include <Eigen/Core>

#include <array>
#include <cstdint>
#include <cstring>
#include <ratio>
#include <utility>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace ds = dualspike;

namespace {

constexpr int kMaxThreads = 4;

/// Runs `f()` with `threads` OpenMP threads, then restores the previous count.
template <class F>
void with_threads(int threads, F&& f) {
#ifdef _OPENMP
  const int before = omp_get_max_threads();
  omp_set_num_threads(threads);
  f();
  omp_set_num_threads(before);
#else
  (void)threads;
  f();
#endif
}

bool same_bits(const ds::Matrix& a, const ds::Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 ||  // empty (a layer without parameters): data() may be null
          std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0);
}

ds::Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed) {
  ds::Rng rng(seed);
  ds::Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(-1.0f, 1.0f);
  return m;
}

/// Forward output, parameter gradients and dx of one layer on one batch.
struct Results {
  ds::Matrix y, grad_weight, grad_bias, dx;
};

bool same_bits(const Results& a, const Results& b) {
  return same_bits(a.y, b.y) && same_bits(a.grad_weight, b.grad_weight) && same_bits(a.grad_bias, b.grad_bias) &&
         same_bits(a.dx, b.dx);
}

template <class L>
Results run_layer(const L& layer, const ds::Matrix& x, const ds::Matrix& dy) {
  Results r;
  L grad = layer;
  if constexpr (ds::TrainingModeLayer<L>) {
    ds::Matrix cache;
    ds::Rng rng(5);
    layer.forward_train(x, r.y, cache, rng);
    layer.backward(x, r.y, dy, &r.dx, grad, cache);
  } else {
    layer.forward(x, r.y);
    layer.backward(x, r.y, dy, &r.dx, grad);
  }
  if constexpr (requires { grad.weight; }) {
    r.grad_weight = grad.weight;
    r.grad_bias = grad.bias;
  }
  return r;
}

/// Runs the layer on a batch of `batch` random samples with 1..4 threads, twice each, and
/// checks every run against the first.
template <class L>
void check_thread_invariant(const L& layer, Eigen::Index batch) {
  const ds::Matrix x = random_matrix(static_cast<Eigen::Index>(L::input_shape::size), batch, 11);
  const ds::Matrix dy = random_matrix(static_cast<Eigen::Index>(L::output_shape::size), batch, 12);
  Results first;
  with_threads(1, [&] { first = run_layer(layer, x, dy); });
  for (int threads = 1; threads <= kMaxThreads; ++threads)
    for (int repeat = 0; repeat < 2; ++repeat) {
      Results r;
      with_threads(threads, [&] { r = run_layer(layer, x, dy); });
      CAPTURE(threads);
      CAPTURE(batch);
      CHECK(same_bits(r, first));
    }
}

template <class L>
L random_layer(std::uint64_t seed) {
  L layer;
  ds::Rng rng(seed);
  layer.init(rng);
  return layer;
}

}  // namespace

TEST_CASE("product: Eigen keeps a kProductDepth piece in one block for 1-4 threads") {
  // The premise of ds::product: Eigen's blocking never splits a depth of kProductDepth,
  // single- or multi-threaded, on this machine's caches.
  for (Eigen::Index threads = 1; threads <= kMaxThreads; ++threads) {
    Eigen::Index k = ds::kProductDepth, m = 4096, n = 4096;
    Eigen::internal::computeProductBlockingSizes<float, float, 1>(k, m, n, threads);
    CAPTURE(threads);
    CHECK(k == ds::kProductDepth);
  }
}

TEST_CASE("Dense: forward and gradients bit-identical for 1-4 threads, batch 300 and 301") {
  // In, Out and the batch all exceed Eigen's depth block (288 floats with a 32 KiB L1), so
  // the forward (depth In), dW (depth batch) and dx (depth Out) GEMMs are all exposed.
  using L = ds::DenseLayer<320, 300>;
  const L layer = random_layer<L>(1);
  check_thread_invariant(layer, 300);
  check_thread_invariant(layer, 301);
  check_thread_invariant(layer, 1);
}

TEST_CASE("Conv2d: forward and gradients bit-identical for 1-4 threads, batch 1, 8 and 9") {
  // fan_in = 4*9*9 = 324 exceeds Eigen's depth block; 64 positions x 16 channels.
  using L = ds::Conv2dLayer<ds::Shape<4, 16, 16>, 16, 9>;
  const L layer = random_layer<L>(2);
  check_thread_invariant(layer, 1);
  check_thread_invariant(layer, 8);
  check_thread_invariant(layer, 9);
  using Padded = ds::Conv2dLayer<ds::Shape<3, 7, 7>, 5, 3, 2, 1>;
  check_thread_invariant(random_layer<Padded>(3), 12);
  check_thread_invariant(random_layer<Padded>(3), 13);
}

TEST_CASE("BatchNorm: training and inference gradients bit-identical for 1-4 threads, batch 12 and 13") {
  using L = ds::BatchNormLayer<ds::Shape<3, 4, 5>>;
  L layer;
  ds::Rng rng(4);
  for (Eigen::Index c = 0; c < 3; ++c) {
    layer.weight[c] = rng.uniform(0.5f, 2.0f);
    layer.bias[c] = rng.uniform(-1.0f, 1.0f);
  }
  check_thread_invariant(layer, 12);
  check_thread_invariant(layer, 13);
  // The inference backward (running statistics).
  for (Eigen::Index batch : {12, 13}) {
    const ds::Matrix x = random_matrix(60, batch, 11), dy = random_matrix(60, batch, 12);
    Results first;
    for (int threads = 1; threads <= kMaxThreads; ++threads) {
      Results r;
      L grad = layer;
      with_threads(threads, [&] {
        layer.forward(x, r.y);
        layer.backward(x, r.y, dy, &r.dx, grad);
      });
      r.grad_weight = grad.weight;
      r.grad_bias = grad.bias;
      if (threads == 1) first = r;
      CHECK(same_bits(r, first));
    }
  }
}

TEST_CASE("BatchNorm and stReLU above their threading threshold: bit-identical for 1-4 threads") {
  // 2^16 values or more: statistics, gradients and the elementwise passes run on OpenMP
  // threads (channels / samples); 225 positions per channel is not a multiple of the 8 lanes.
  using Square = ds::BatchNormLayer<ds::Shape<4, 16, 16>>;
  using Odd = ds::BatchNormLayer<ds::Shape<3, 15, 15>>;
  Square square;
  Odd odd;
  ds::Rng rng(5);
  for (Eigen::Index c = 0; c < 4; ++c) square.weight[c] = rng.uniform(0.5f, 2.0f), square.bias[c] = rng.uniform(-1.0f, 1.0f);
  for (Eigen::Index c = 0; c < 3; ++c) odd.weight[c] = rng.uniform(0.5f, 2.0f), odd.bias[c] = rng.uniform(-1.0f, 1.0f);
  REQUIRE(Square::input_shape::size * 65 >= (1u << 16));
  REQUIRE(Odd::input_shape::size * 98 >= (1u << 16));
  check_thread_invariant(square, 65);
  check_thread_invariant(odd, 98);
  check_thread_invariant(odd, 99);
  check_thread_invariant(ds::StReLULayer<ds::Shape<4096>, std::ratio<1, 2>>{}, 17);
}

TEST_CASE("bias gradients of an upstream row 1e8, 1, -1e8, 1 are exactly 2") {
  const ds::Matrix row = (ds::Matrix(1, 4) << 1e8f, 1.0f, -1e8f, 1.0f).finished();
  for (int threads = 1; threads <= kMaxThreads; ++threads) {
    CAPTURE(threads);
    with_threads(threads, [&] {
      {  // Dense: over the batch
        ds::DenseLayer<3, 2> dense, grad;
        ds::Matrix dy(2, 4);
        dy.row(0) = row;
        dy.row(1) = -row;
        ds::Matrix x = ds::Matrix::Ones(3, 4), y, dx;
        dense.forward(x, y);
        dense.backward(x, y, dy, &dx, grad);
        CHECK(grad.bias[0] == 2.0f);
        CHECK(grad.bias[1] == -2.0f);
      }
      {  // Conv2d: over the batch (one position per sample)
        ds::Conv2dLayer<ds::Shape<1, 1, 1>, 1, 1> conv, grad;
        const ds::Matrix x = ds::Matrix::Ones(1, 4);
        ds::Matrix y, dx;
        conv.forward(x, y);
        conv.backward(x, y, row, &dx, grad);
        CHECK(grad.bias[0] == 2.0f);
        CHECK(grad.weight(0, 0) == 2.0f);  // x = 1: dW sums the same values over samples
      }
      {  // Conv2d: over the positions of one sample
        ds::Conv2dLayer<ds::Shape<1, 2, 2>, 1, 1> conv, grad;
        const ds::Matrix x = ds::Matrix::Ones(4, 1);
        ds::Matrix y, dx;
        conv.forward(x, y);
        conv.backward(x, y, row.transpose(), &dx, grad);
        CHECK(grad.bias[0] == 2.0f);
      }
      {  // BatchNorm: over the batch
        ds::BatchNormLayer<ds::Shape<1>> bn, grad;
        const ds::Matrix x = (ds::Matrix(1, 4) << 0.0f, 1.0f, 2.0f, 3.0f).finished();
        ds::Matrix y, dx, cache;
        ds::Rng rng(1);
        bn.forward_train(x, y, cache, rng);
        bn.backward(x, y, row, &dx, grad, cache);
        CHECK(grad.bias[0] == 2.0f);
        bn.backward(x, y, row, &dx, grad);
        CHECK(grad.bias[0] == 2.0f);
      }
    });
  }
}

namespace {
using TrainNet = ds::Sequential<ds::Input<ds::Shape<300>>, ds::Dense<40>, ds::StReLU<>, ds::Dense<300>, ds::StReLU<>,
                                ds::Dense<10>>;

ds::Dataset random_dataset(std::size_t n) {
  std::vector<std::int32_t> labels(n);
  ds::Rng rng(22);
  for (auto& l : labels) l = static_cast<std::int32_t>(rng.uniform(0.0f, 10.0f)) % 10;
  // images, labels, channels, height, width, num_classes
  return {random_matrix(300, static_cast<Eigen::Index>(n), 21).cwiseAbs(), std::move(labels), 300, 1, 1, 10};
}
}  // namespace

TEST_CASE("train: loss, accuracy and weights bit-identical for 1-4 threads, batch 24 and 25") {
  const ds::Dataset data = random_dataset(100);
  for (std::size_t batch : {std::size_t{24}, std::size_t{25}}) {
    std::vector<ds::EpochReport> first_reports;
    TrainNet first_net;
    for (int threads = 1; threads <= kMaxThreads; ++threads) {
      TrainNet net;
      net.init(7);
      ds::TrainOptions opt;
      opt.epochs = 2;
      opt.batch_size = batch;
      opt.seed = 3;
      std::vector<ds::EpochReport> reports;
      with_threads(threads, [&] { reports = ds::train(net, data, ds::Adam{}, opt); });
      if (threads == 1) {
        first_reports = reports;
        first_net = net;
        continue;
      }
      CAPTURE(threads);
      CAPTURE(batch);
      REQUIRE(reports.size() == first_reports.size());
      for (std::size_t e = 0; e < reports.size(); ++e) {
        CHECK(std::memcmp(&reports[e].loss, &first_reports[e].loss, sizeof(double)) == 0);
        CHECK(reports[e].accuracy == first_reports[e].accuracy);
      }
      CHECK(same_bits(net.get<0>().weight, first_net.get<0>().weight));
      CHECK(same_bits(net.get<2>().weight, first_net.get<2>().weight));
      CHECK(same_bits(net.get<4>().bias, first_net.get<4>().bias));
    }
  }
}

namespace {
/// Backward with `dx` a separate matrix, then with `dx` = `&dy`: same dx, same gradients.
template <class L>
void check_alias(const char* name, const L& layer, Eigen::Index batch) {
  CAPTURE(name);
  const ds::Matrix x = random_matrix(static_cast<Eigen::Index>(L::input_shape::size), batch, 31);
  const ds::Matrix dy = random_matrix(static_cast<Eigen::Index>(L::output_shape::size), batch, 32);
  ds::Matrix y, cache, dx;
  L grad = layer, grad_aliased = layer;
  ds::Matrix in_place = dy;
  if constexpr (ds::TrainingModeLayer<L>) {
    ds::Rng rng(6);
    layer.forward_train(x, y, cache, rng);
    layer.backward(x, y, dy, &dx, grad, cache);
    layer.backward(x, y, in_place, &in_place, grad_aliased, cache);
  } else {
    layer.forward(x, y);
    layer.backward(x, y, dy, &dx, grad);
    layer.backward(x, y, in_place, &in_place, grad_aliased);
  }
  CHECK(same_bits(in_place, dx));
  if constexpr (requires { grad.weight; }) {
    CHECK(same_bits(grad_aliased.weight, grad.weight));
    CHECK(same_bits(grad_aliased.bias, grad.bias));
  }
}
}  // namespace

TEST_CASE("backward with dx aliasing dy gives the unaliased results, for every layer") {
  check_alias("Dense 7->5", random_layer<ds::DenseLayer<7, 5>>(1), 3);
  check_alias("Dense 5->7", random_layer<ds::DenseLayer<5, 7>>(1), 3);
  check_alias("Conv2d pad 1", random_layer<ds::Conv2dLayer<ds::Shape<2, 5, 5>, 3, 3, 1, 1>>(2), 3);
  check_alias("Conv2d", random_layer<ds::Conv2dLayer<ds::Shape<2, 5, 5>, 3, 3>>(2), 3);
  check_alias("AvgPool2d 2", ds::AvgPool2dLayer<ds::Shape<2, 4, 4>, 2>{}, 3);
  check_alias("AvgPool2d 3, stride 1", ds::AvgPool2dLayer<ds::Shape<1, 5, 5>, 3, 1>{}, 2);
  ds::BatchNormLayer<ds::Shape<2, 3, 3>> bn;
  bn.weight << 1.5f, -0.5f;
  bn.bias << 0.25f, 1.0f;
  check_alias("BatchNorm", bn, 4);
  check_alias("Dropout", ds::DropoutLayer<ds::Shape<10>, std::ratio<1, 2>>{}, 4);
  check_alias("Flatten", ds::FlattenLayer<ds::Shape<2, 3, 3>>{}, 2);
  ds::StReLULayer<ds::Shape<12>, std::ratio<1, 2>> st;
  check_alias("StReLU", st, 5);
  check_alias("StReLU, 2^16 values", ds::StReLULayer<ds::Shape<4096>, std::ratio<1, 2>>{}, 16);
  ds::BatchNormLayer<ds::Shape<4, 16, 16>> big_bn;
  big_bn.weight << 1.5f, -0.5f, 0.75f, 2.0f;
  check_alias("BatchNorm, 2^16 values", big_bn, 64);
}

TEST_CASE("predict into reused buffers: the values of predict(x), buffers kept, evaluate the same for any batch size") {
  using Net = ds::Sequential<ds::Input<ds::Shape<2, 9, 9>>, ds::Conv2d<4, 3, 1, 1>, ds::StReLU<>, ds::AvgPool2d<2>,
                             ds::Flatten, ds::Dense<12>, ds::StReLU<>, ds::Dense<5>>;
  Net net;
  net.init(3);
  static_assert(Net::output_floats_per_sample() == 4 * 81 + 4 * 81 + 4 * 16 + 64 + 12 + 12 + 5);
  Net::InferenceBuffers buffers;
  const ds::Matrix big = random_matrix(162, 37, 21), small = random_matrix(162, 5, 22);
  const ds::Matrix* previous = nullptr;
  std::array<const float*, Net::num_layers> before{};
  for (const ds::Matrix* x : {&big, &small, &big, &big}) {
    const ds::Matrix& y = net.predict(*x, buffers);
    CHECK(y == net.predict(*x));  // bit for bit, whatever ran before in the buffers
    for (std::size_t i = 0; i < Net::num_layers; ++i) {
      if (x == previous) CHECK(buffers.outputs[i].data() == before[i]);  // same batch again: not reallocated
      before[i] = buffers.outputs[i].data();
    }
    previous = x;
  }
  ds::Dataset d;
  d.channels = 2;
  d.height = d.width = 9;
  d.num_classes = 5;
  d.images = random_matrix(162, 23, 23);
  d.labels.assign(23, 0);
  for (std::size_t i = 0; i < d.labels.size(); ++i) d.labels[i] = static_cast<std::int32_t>(i % 5);
  const auto all = ds::evaluate(net, d, 1000);
  for (std::size_t b : {std::size_t{1}, std::size_t{7}, std::size_t{23}}) CHECK(ds::evaluate(net, d, b).predictions == all.predictions);
}
