// Conversion of convolutional networks: BatchNorm folding (case BN-01), the folded network
// against the unfolded one, and a tiny conv net whose SNN reproduces the ANN's logits
// within the rate-coding bound O(1/T).
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

#include "gradient_check.hpp"

namespace ds = dualspike;

namespace {
// BN-01: W = [[1, 2], [-1, 0.5]], b = [0.5, -1], gamma = [3, 0.5], beta = [0.1, -0.2],
// mean = [1, -2], var = [4, 0.25].
void set_bn01(ds::BatchNormLayer<ds::Shape<2>>& bn, float eps) {
  bn.weight << 3.0f, 0.5f;
  bn.bias << 0.1f, -0.2f;
  bn.running_mean << 1.0f, -2.0f;
  bn.running_var << 4.0f, 0.25f;
  bn.set_eps(eps);
}
using DenseBn = ds::Sequential<ds::Input<ds::Shape<2>>, ds::Dense<2>, ds::BatchNorm>;
DenseBn bn01_dense(float eps) {
  DenseBn net;
  net.get<0>().weight << 1.0f, 2.0f, -1.0f, 0.5f;
  net.get<0>().bias << 0.5f, -1.0f;
  set_bn01(net.get<1>(), eps);
  return net;
}
ds::Matrix bn01_input() {
  ds::Matrix x(2, 1);
  x << 1.0f, -1.0f;
  return x;
}
}  // namespace

TEST_CASE("BN-01, eps = 0: folded Dense weights, bias and output") {
  const DenseBn ann = bn01_dense(0.0f);
  const auto snn = ds::to_snn(ann);
  static_assert(std::is_same_v<std::decay_t<decltype(snn)>, ds::SpikingSequential<ds::DenseLayer<2, 2>>>);
  const auto& folded = snn.get<0>();
  ds::Matrix W(2, 2);
  W << 1.5f, 3.0f, -1.0f, 0.5f;  // row o scaled by s_o = [1.5, 1]; not the input axis
  CHECK(folded.weight == W);
  CHECK(folded.bias[0] == doctest::Approx(-0.65f).epsilon(1e-6));  // not -0.9 (unscaled bias)
  CHECK(folded.bias[1] == doctest::Approx(0.8f).epsilon(1e-6));
  ds::Matrix y;
  folded.forward(bn01_input(), y);
  CHECK(y(0, 0) == doctest::Approx(-2.15f).epsilon(1e-6));
  CHECK(y(1, 0) == doctest::Approx(-0.7f).epsilon(1e-6));
  const ds::Matrix unfolded = ann.predict(bn01_input());  // Dense then BN (running statistics)
  CHECK(unfolded(0, 0) == doctest::Approx(-2.15f).epsilon(1e-6));
  CHECK(unfolded(1, 0) == doctest::Approx(-0.7f).epsilon(1e-6));
}

TEST_CASE("BN-01, eps = 1e-5 inside the square root") {
  const auto snn = ds::to_snn(bn01_dense(1e-5f));
  const auto& folded = snn.get<0>();
  CHECK(std::abs(folded.weight(0, 0) - 1.4999981250035155) < 1e-6);
  CHECK(std::abs(folded.weight(1, 0) + 0.9999800005999799) < 1e-6);
  CHECK(std::abs(folded.bias[0] + 0.6499990625017578) < 1e-6);
  CHECK(std::abs(folded.bias[1] - 0.79998000059998) < 1e-6);
  ds::Matrix y;
  folded.forward(bn01_input(), y);
  CHECK(std::abs(y(0, 0) + 2.1499971875052735) < 1e-6);
  CHECK(std::abs(y(1, 0) + 0.6999900002999899) < 1e-6);
}

TEST_CASE("BN-01, Conv2d variant: every weight of output channel o times s_o, bias scaled too") {
  // A 1x1 convolution over 2 channels is the same map as the Dense of BN-01.
  using Net = ds::Sequential<ds::Input<ds::Shape<2, 1, 1>>, ds::Conv2d<2, 1>, ds::BatchNorm>;
  Net ann;
  ann.get<0>().weight << 1.0f, -1.0f, 2.0f, 0.5f;  // column o = torch weight[o][:][0][0] = row o of W
  ann.get<0>().bias << 0.5f, -1.0f;
  auto& bn = ann.get<1>();
  bn.weight << 3.0f, 0.5f;
  bn.bias << 0.1f, -0.2f;
  bn.running_mean << 1.0f, -2.0f;
  bn.running_var << 4.0f, 0.25f;
  bn.set_eps(0.0f);
  const auto snn = ds::to_snn(ann);
  const auto& folded = snn.get<0>();
  ds::Matrix W(2, 2);
  W << 1.5f, -1.0f, 3.0f, 0.5f;
  CHECK(folded.weight == W);
  CHECK(folded.bias[0] == doctest::Approx(-0.65f).epsilon(1e-6));
  CHECK(folded.bias[1] == doctest::Approx(0.8f).epsilon(1e-6));
  ds::Matrix y;
  folded.forward(bn01_input(), y);
  CHECK(y(0, 0) == doctest::Approx(-2.15f).epsilon(1e-6));
  CHECK(y(1, 0) == doctest::Approx(-0.7f).epsilon(1e-6));
}

namespace {
// A tiny conv net with BatchNorm after the convolution and after the hidden Dense.
using TinyConv = ds::Sequential<ds::Input<ds::Shape<2, 6, 6>>, ds::Conv2d<3, 3>, ds::BatchNorm, ds::StReLU<>,
                                ds::AvgPool2d<2>, ds::Flatten, ds::Dense<3>>;

template <class Net, std::size_t I>
void randomize_bn(Net& net, ds::Rng& rng) {
  auto& bn = net.template get<I>();
  for (Eigen::Index c = 0; c < bn.weight.size(); ++c) {
    bn.weight[c] = rng.uniform(0.5f, 2.0f);
    bn.bias[c] = rng.uniform(-0.5f, 0.5f);
    bn.running_mean[c] = rng.uniform(-0.3f, 0.3f);
    bn.running_var[c] = rng.uniform(0.2f, 1.5f);
  }
}
}  // namespace

TEST_CASE("BatchNorm folding is exact to float rounding on random inputs (conv and dense)") {
  using Net = ds::Sequential<ds::Input<ds::Shape<2, 6, 6>>, ds::Conv2d<3, 3, 1, 1>, ds::BatchNorm, ds::StReLU<>,
                             ds::Flatten, ds::Dense<8>, ds::BatchNorm, ds::StReLU<>, ds::Dense<4>>;
  using Snn = ds::snn_t<Net>;
  static_assert(Snn::num_layers == 6);  // both BatchNorms are gone
  static_assert(std::is_same_v<Snn::layer_type<0>, ds::Conv2dLayer<ds::Shape<2, 6, 6>, 3, 3, 1, 1>>);
  static_assert(std::is_same_v<Snn::layer_type<3>, ds::DenseLayer<108, 8>>);
  ds::Rng rng(21);
  Net ann;
  ann.init(5);
  randomize_bn<Net, 1>(ann, rng);
  randomize_bn<Net, 5>(ann, rng);
  const auto snn = ds::to_snn(ann);
  const ds::Matrix x = gradcheck::random_matrix(72, 16, rng);
  // Layer by layer: conv then BN (ANN) against the folded conv (SNN).
  ds::Matrix a, b, folded;
  ann.get<0>().forward(x, a);
  ann.get<1>().forward(a, b);
  snn.get<0>().forward(x, folded);
  CHECK((b - folded).cwiseAbs().maxCoeff() < 1e-5f);
  ds::Matrix z, h, hd, hb, hf;
  ann.get<2>().forward(b, z);
  ann.get<3>().forward(z, h);
  ann.get<4>().forward(h, hd);
  ann.get<5>().forward(hd, hb);
  snn.get<3>().forward(h, hf);
  CHECK((hb - hf).cwiseAbs().maxCoeff() < 1e-5f);
}

TEST_CASE("A BatchNorm's buffers are named like PyTorch's state_dict and kept out of the parameters") {
  TinyConv net;
  const auto params = net.parameters();
  const auto buffers = net.buffers();
  REQUIRE(params.size() == 6);  // 0.weight 0.bias 1.weight 1.bias 5.weight 5.bias
  CHECK(params[2].name == "1.weight");
  REQUIRE(buffers.size() == 2);
  CHECK(buffers[0].name == "1.running_mean");
  CHECK(buffers[1].name == "1.running_var");
}

TEST_CASE("Tiny conv net: the SNN's mean readout U(T)/T reproduces the ANN's logits within sum|W|/T") {
  using Snn = ds::snn_t<TinyConv>;
  static_assert(std::is_same_v<Snn::layer_type<1>, ds::DualThresholdIF<ds::Shape<3, 4, 4>>>);
  static_assert(std::is_same_v<Snn::layer_type<2>, ds::AvgPool2dLayer<ds::Shape<3, 4, 4>, 2>>);
  static_assert(Snn::first_neuron == 1);
  ds::Rng rng(22);
  TinyConv ann;
  ann.init(9);
  ann.get<0>().weight *= 3.0f;  // drive some neurons into saturation (|current| > Vth)
  randomize_bn<TinyConv, 1>(ann, rng);
  const auto snn = ds::to_snn(ann);
  ds::Matrix x(72, 8);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform(0.0f, 1.0f);
  const ds::Matrix logits = ann.predict(x);
  // Every hidden rate is within 1/T of its stReLU activation (constant input current),
  // pooling averages such errors, so output o is within sum_i |W[o, i]| / T.
  const auto& W = ann.get<5>().weight;
  const ds::Runner runner(snn);
  auto s = runner.begin(x);
  std::size_t t = 0;
  for (std::size_t T : {10u, 100u, 1000u}) {
    for (; t < T; ++t) runner.step(s);
    const ds::Matrix mean_readout = s.readout() / static_cast<float>(T);
    for (Eigen::Index o = 0; o < 3; ++o) {
      const float bound = W.row(o).cwiseAbs().sum() / static_cast<float>(T) + 1e-4f;
      INFO("T = " << T << ", output " << o);
      CHECK((mean_readout.row(o) - logits.row(o)).cwiseAbs().maxCoeff() <= bound);
    }
  }
  // Spikes were counted, and each reaches the Dense layer's 3 outputs through the pooling.
  CHECK(runner.fan_out<1>() == std::vector<std::uint64_t>(48, 3));
  CHECK(s.spikes()[1] > 0);
  CHECK(s.sops()[1] == 3 * s.spikes()[1]);
}
