// Conversion of every activation of the family (convert/): data-based normalization on a
// hand-built two-layer ReLU network (scales, rescaled weights and the SNN's readout computed
// by hand, max and percentile, a dead layer), its bad inputs, and tiny networks of each
// activation whose SNN at large T matches the ANN, with both firing rules.
#include <cmath>
#include <limits>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

#include "gradient_check.hpp"

namespace ds = dualspike;

namespace {
using Relu2 = ds::Sequential<ds::Input<ds::Shape<2>>, ds::Dense<2>, ds::ReLU, ds::Dense<2>>;

/// W1 = [[4, 0], [2, 2]], b1 = [0, -1], W2 = [[1, -1], [0.5, 1]], b2 = [0.25, 0].
Relu2 hand_built() {
  Relu2 net;
  net.get<0>().weight << 4, 0, 2, 2;
  net.get<0>().bias << 0, -1;
  net.get<2>().weight << 1, -1, 0.5f, 1;
  net.get<2>().bias << 0.25f, 0;
  return net;
}

/// Calibration samples (columns) (0.5, 0), (1, 0.5), (0.25, 1), (-1, 0): hidden activations
/// relu(W1 x + b1) = (2, 0), (4, 2), (1, 1.5), (0, 0); positive ones sorted 1, 1.5, 2, 2, 4.
ds::Matrix calibration() {
  ds::Matrix x(2, 4);
  x << 0.5f, 1, 0.25f, -1,  //
      0, 0.5f, 1, 0;
  return x;
}

/// The SNN's integrated readout after T steps, divided by T (the ANN's logits as T grows).
template <class Snn>
ds::Matrix mean_readout(const Snn& snn, const ds::Matrix& x, std::size_t T) {
  const ds::Runner runner(snn);
  auto st = runner.begin(x);
  runner.run(st, T);
  return st.readout() / static_cast<float>(T);
}
}  // namespace

TEST_CASE("data-based normalization by the maximum (Diehl 2015): scales, weights and readout by hand") {
  const Relu2 ann = hand_built();
  const ds::DataNorm norm{calibration(), 100.0};
  CHECK(ds::data_norm_scales(ann, norm) == std::vector<float>{4.0f});
  const auto snn = ds::to_snn(ann, norm);
  using Snn = std::decay_t<decltype(snn)>;
  static_assert(std::is_same_v<Snn::layer_type<1>, ds::IFNeurons<ds::Shape<2>, ds::PositiveOnly, ds::PaperFiring>>);
  CHECK(snn.get<1>().v_threshold() == 1.0f);
  ds::Matrix w1(2, 2), w2(2, 2);
  w1 << 1, 0, 0.5f, 0.5f;  // W1 / 4
  w2 << 4, -4, 2, 4;       // W2 x 4
  CHECK(snn.get<0>().weight == w1);
  CHECK(snn.get<0>().bias == ds::Vector{{0.0f, -0.25f}});
  CHECK(snn.get<2>().weight == w2);
  CHECK(snn.get<2>().bias == ds::Vector{{0.25f, 0.0f}});  // the readout keeps the ANN's units
  // Sample (1, 0.5): hidden currents (1, 0.5) per step, neuron 1 fires every step, neuron 2
  // every second step; U(8) = W2' (8, 4) + 8 b2 = (18, 32) = 8 x the ANN's logits (2.25, 4).
  ds::Matrix x(2, 1);
  x << 1, 0.5f;
  CHECK(mean_readout(snn, x, 8) * 8.0f == ds::Matrix{{18.0f}, {32.0f}});
  CHECK(ann.predict(x) == ds::Matrix{{2.25f}, {4.0f}});
}

TEST_CASE("data-based normalization by a percentile (nearest rank; Rueckauer 2017) clips above it") {
  const Relu2 ann = hand_built();
  // Ranks of the 5 positive activations: 20 % -> 1st (1), 50 % and 60 % -> 3rd (2), 80 % -> 4th (2), 99.9 % -> 5th (4).
  for (auto [p, want] : {std::pair{20.0, 1.0f}, {50.0, 2.0f}, {60.0, 2.0f}, {80.0, 2.0f}, {99.9, 4.0f}}) {
    INFO("percentile " << p);
    CHECK(ds::data_norm_scales(ann, ds::DataNorm{calibration(), p}) == std::vector<float>{want});
  }
  const auto snn = ds::to_snn(ann, ds::DataNorm{calibration(), 50.0});  // lambda = 2
  ds::Matrix w1(2, 2);
  w1 << 2, 0, 1, 1;
  CHECK(snn.get<0>().weight == w1);
  CHECK(snn.get<0>().bias == ds::Vector{{0.0f, -0.5f}});
  CHECK(snn.get<2>().weight == 2.0f * hand_built().get<2>().weight);
  // Sample (1, 0.5): currents (2, 1) per step, both neurons fire every step (the first is
  // clipped at rate 1): U(T) = T (W2' (1, 1) + b2) = T (0.25, 3), not the ANN's (2.25, 4).
  ds::Matrix x(2, 1);
  x << 1, 0.5f;
  CHECK(mean_readout(snn, x, 8) == ds::Matrix{{0.25f}, {3.0f}});
}

TEST_CASE("data-based normalization refuses bad calibration before any work, naming the field") {
  const Relu2 ann = hand_built();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (double p : {0.0, -1.0, 100.5, nan})
    CHECK_THROWS_WITH_AS((void)ds::data_norm_scales(ann, ds::DataNorm{calibration(), p}),
                         doctest::Contains("DataNorm.percentile = "), ds::ConfigError);
  CHECK_THROWS_WITH_AS((void)ds::to_snn(ann, ds::DataNorm{ds::Matrix::Zero(3, 4), 99.9}),
                       "DataNorm.inputs has 3 rows (features), expected 2", ds::ShapeError);
  CHECK_THROWS_WITH_AS((void)ds::to_snn(ann, ds::DataNorm{ds::Matrix(2, 0), 99.9}),
                       "DataNorm.inputs has no samples (0 columns)", ds::ConfigError);
  ds::Matrix with_nan = calibration();
  with_nan(1, 2) = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS((void)ds::to_snn(ann, ds::DataNorm{with_nan, 99.9}), doctest::Contains("DataNorm.inputs["),
                       ds::ConfigError);
  ds::DataNorm zero_batch{calibration(), 99.9};
  zero_batch.batch_size = 0;
  CHECK_THROWS_AS((void)ds::to_snn(ann, zero_batch), ds::ConfigError);
  // A layer with no positive activation on the calibration inputs: a clear error, never a
  // division by zero.
  ds::Matrix dead(2, 2);
  dead << -1, -0.5f, 0, 0;
  CHECK_THROWS_WITH_AS((void)ds::to_snn(ann, ds::DataNorm{dead, 99.9}),
                       doctest::Contains("DataNorm: layer 1 has no positive activation on the 2 calibration samples"),
                       ds::ConfigError);
}

TEST_CASE("data_norm_values_per_sample: the unbounded layers' outputs, so the calibration size DataNorm accepts") {
  static_assert(ds::data_norm_values_per_sample<Relu2>() == 2);
  // Net4 with ReLU: 32 x 24 x 24 + 64 x 8 x 8 + 1024 activations per image; 10,000
  // calibration images would exceed DataNorm::max_values (a run of paper_net hit this).
  constexpr std::size_t net4 = ds::data_norm_values_per_sample<ds::nets::Net4Of<ds::ReLU>>();
  static_assert(net4 == 32 * 24 * 24 + 64 * 8 * 8 + 1024);
  CHECK(ds::DataNorm::max_values / net4 == 5698);
  static_assert(ds::data_norm_values_per_sample<ds::nets::Net4>() == 0);  // stReLU: bounded
}

namespace {
template <class Act>
using Tiny = ds::Sequential<ds::Input<ds::Shape<6>>, ds::Dense<8>, Act, ds::Dense<8>, Act, ds::Dense<3>>;

/// The largest |SNN mean readout - ANN logit| at T steps, on 24 random inputs.
template <class Firing, class Act, class... Norm>
float conversion_gap(std::size_t T, const Norm&... norm) {
  ds::Rng rng(61);
  Tiny<Act> ann;
  ann.init(8);
  ann.template get<0>().weight *= 2.0f;  // some neurons saturate
  const ds::Matrix x = gradcheck::random_matrix(6, 24, rng);
  const auto snn = [&] {
    if constexpr (sizeof...(Norm) == 0)
      return ds::to_snn<Firing>(ann);
    else
      return ds::to_snn<Firing>(ann, ds::DataNorm{x, norm...});
  }();
  return (mean_readout(snn, x, T) - ann.predict(x)).cwiseAbs().maxCoeff();
}
}  // namespace

TEST_CASE_TEMPLATE("every activation's SNN matches its ANN at large T, both firing rules", Firing, ds::PaperFiring,
                   ds::RoundingFiring) {
  // Each hidden rate is within 1/T of the activation (in threshold units), so the gap shrinks
  // like 1/T; at T = 4096 it is far below 0.01 for these weights.
  CHECK(conversion_gap<Firing, ds::StReLU<>>(4096) < 0.01f);
  CHECK(conversion_gap<Firing, ds::StReLU<std::ratio<1, 2>>>(4096) < 0.01f);
  CHECK(conversion_gap<Firing, ds::TReLU<>>(4096) < 0.01f);
  CHECK(conversion_gap<Firing, ds::AtLeakyReLU<std::ratio<1, 2>>>(4096) < 0.01f);
  CHECK(conversion_gap<Firing, ds::ReLU>(4096, 100.0) < 0.01f);  // max: nothing clips on these inputs
  CHECK(conversion_gap<Firing, ds::LeakyReLU<std::ratio<1, 4>>>(4096, 100.0) < 0.01f);
  // ... and not at T = 4 (the test can fail).
  CHECK(conversion_gap<Firing, ds::AtLeakyReLU<std::ratio<1, 2>>>(4) > 0.01f);
}
