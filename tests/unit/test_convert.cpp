// ANN -> SNN conversion and time-stepped simulation on a tiny hand-built network whose
// SNN output was computed by hand: case IF-08 of shared/cases/cases.json.
#include <cstdint>
#include <type_traits>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

namespace ds = dualspike;

namespace {
template <class Vth>
using Tiny = ds::Sequential<ds::Input<ds::Shape<2>>, ds::Dense<2>, ds::StReLU<Vth>, ds::Dense<2>>;

// IF-08 weights: x = [0.5, 0.25], W1 = [[1, -0.5], [0.5, 0.5]], b1 = [0, 0.0625],
// W2 = [[1, -1], [0.5, 1]], b2 = [0.25, 0].
template <class Net>
Net if08_network() {
  Net net;
  net.template get<0>().weight << 1.0f, -0.5f, 0.5f, 0.5f;
  net.template get<0>().bias << 0.0f, 0.0625f;
  net.template get<2>().weight << 1.0f, -1.0f, 0.5f, 1.0f;
  net.template get<2>().bias << 0.25f, 0.0f;
  return net;
}

ds::Matrix if08_input() {
  ds::Matrix x(2, 1);
  x << 0.5f, 0.25f;
  return x;
}

ds::Dataset one_sample(std::int32_t label) {
  ds::Dataset d;
  d.images = if08_input();
  d.labels = {label};
  d.channels = 2;
  d.height = 1;
  d.width = 1;
  d.num_classes = 2;
  return d;
}
}  // namespace

TEST_CASE("to_snn maps each layer to its spiking counterpart, a distinct type") {
  using Net = Tiny<std::ratio<1>>;
  using Snn = ds::snn_t<Net>;
  static_assert(!std::is_same_v<Net, Snn>);
  static_assert(std::is_same_v<Snn::layer_type<0>, ds::DenseLayer<2, 2>>);
  static_assert(std::is_same_v<Snn::layer_type<1>, ds::DualThresholdIF<ds::Shape<2>>>);
  static_assert(std::is_same_v<Snn::layer_type<2>, ds::DenseLayer<2, 2>>);
  static_assert(Snn::first_neuron == 1);
  const Net ann = if08_network<Net>();
  const auto snn = ds::to_snn(ann);
  CHECK(snn.get<0>().weight == ann.get<0>().weight);  // weights copied unchanged
  CHECK(snn.get<2>().bias == ann.get<2>().bias);
  CHECK(snn.get<1>().v_threshold() == 1.0f);
}

TEST_CASE("IF-08 ANN: hidden stReLU activations and logits") {
  const auto ann = if08_network<Tiny<std::ratio<1>>>();
  typename Tiny<std::ratio<1>>::Workspace ws;
  const ds::Matrix& y = ann.forward(if08_input(), ws);
  CHECK(ws.activations[1](0, 0) == 0.375f);  // hidden current, same every SNN step
  CHECK(ws.activations[1](1, 0) == 0.4375f);
  CHECK(y(0, 0) == 0.1875f);
  CHECK(y(1, 0) == 0.625f);
}

TEST_CASE("IF-08 SNN, Vth = 1: hidden spike trains, integrated readout U(t), predictions") {
  const auto snn = ds::to_snn(if08_network<Tiny<std::ratio<1>>>());
  const ds::Runner runner(snn);
  auto s = runner.begin(if08_input());
  CHECK(s.input_current()(0, 0) == 0.375f);  // first-layer current computed once
  CHECK(s.input_current()(1, 0) == 0.4375f);
  const float U[8][2] = {{0.25f, 0}, {0.5f, 0}, {0.75f, 1.5f}, {1.0f, 1.5f},
                         {0.25f, 2.5f}, {1.5f, 3.0f}, {0.75f, 4.0f}, {2.0f, 4.5f}};
  const int spikes[8] = {0, 0, 2, 0, 1, 1, 1, 1};  // n1: 00100101, n2: 00101010
  const int pred[8] = {0, 0, 1, 1, 1, 1, 1, 1};
  std::vector<std::int32_t> p(1);
  for (int t = 0; t < 8; ++t) {
    CAPTURE(t + 1);
    runner.step(s);
    CHECK(s.readout()(0, 0) == U[t][0]);
    CHECK(s.readout()(1, 0) == U[t][1]);
    CHECK(s.spikes()[1] == static_cast<std::size_t>(spikes[t]));
    CHECK(runner.sops(s) == 2.0 * spikes[t]);  // fan-out of Dense<2> is 2
    ds::argmax_columns(s.readout(), p);
    CHECK(p[0] == pred[t]);
  }
  const auto& v = s.template layer_state<1>();
  CHECK(v(0, 0) == 0.0f);  // hidden V(T)
  CHECK(v(1, 0) == 0.5f);
  // Bias added at every step: a bias added once would give U(T) = [0.25, 4.5].
  CHECK(s.readout()(0, 0) != 0.25f);
}

TEST_CASE("IF-08 SNN, Vth = 0.5: a spike carries Vth") {
  const auto ann = if08_network<Tiny<std::ratio<1, 2>>>();
  const auto snn = ds::to_snn(ann);
  const ds::Runner runner(snn);
  auto s = runner.begin(if08_input());
  const int pred[8] = {0, 1, 1, 1, 1, 1, 1, 1};
  std::vector<std::int32_t> p(1);
  int n_spikes = 0;
  for (int t = 0; t < 8; ++t) {
    runner.step(s);
    n_spikes += static_cast<int>(s.spikes()[1]);
    ds::argmax_columns(s.readout(), p);
    CHECK(p[0] == pred[t]);
  }
  CHECK(n_spikes == 13);  // N = [6, 7]
  CHECK(s.readout()(0, 0) == 1.5f);  // U(T); spikes worth 1 instead of Vth would give [1, 10]
  CHECK(s.readout()(1, 0) == 5.0f);
  CHECK(s.template layer_state<1>().isZero());
  // Equals T * ANN logits here: T*y = [1.5, 5.0].
  const ds::Matrix y = ann.predict(if08_input());
  CHECK(8.0f * y(0, 0) == s.readout()(0, 0));
  CHECK(8.0f * y(1, 0) == s.readout()(1, 0));
}

TEST_CASE("simulate: exactly T per-step entries, accuracy and agreement per step") {
  const auto snn = ds::to_snn(if08_network<Tiny<std::ratio<1>>>());
  ds::SimulateOptions opt;
  opt.time_steps = 8;
  const std::vector<std::int32_t> reference = {1};  // the ANN's prediction
  opt.reference_predictions = reference;
  const ds::SimulationResult r = ds::simulate(snn, one_sample(1), opt);
  REQUIRE(r.accuracy.size() == 8);
  REQUIRE(r.agreement.size() == 8);
  const std::vector<double> expected = {0, 0, 1, 1, 1, 1, 1, 1};
  CHECK(r.accuracy == expected);
  CHECK(r.agreement == expected);
  const std::vector<double> spikes = {0, 0, 2, 0, 1, 1, 1, 1};
  CHECK(r.spikes_per_sample == spikes);
  CHECK(r.cumulative_sops(8) == 12.0);
  CHECK(r.latency(1.0) == 3u);
  CHECK(r.latency(0.5, 0.6) == 1u);
  const ds::SimulationResult r0 = ds::simulate(snn, one_sample(0), opt);
  const std::vector<double> expected0 = {1, 1, 0, 0, 0, 0, 0, 0};
  CHECK(r0.accuracy == expected0);
  CHECK(r0.latency(1.0) == 1u);
  CHECK_FALSE(r0.latency(1.5).has_value());
}

TEST_CASE("simulate: batching does not change results") {
  const auto snn = ds::to_snn(if08_network<Tiny<std::ratio<1>>>());
  ds::Dataset d = one_sample(1);
  d.images = if08_input().replicate(1, 5);
  d.images(0, 3) = -0.5f;  // a different sample in the middle
  d.labels = {1, 1, 1, 0, 1};
  ds::SimulateOptions opt;
  opt.time_steps = 8;
  opt.batch_size = 5;
  const auto whole = ds::simulate(snn, d, opt);
  opt.batch_size = 2;
  const auto split = ds::simulate(snn, d, opt);
  CHECK(whole.accuracy == split.accuracy);
  CHECK(whole.sops_per_sample == split.sops_per_sample);
}

TEST_CASE("simulate and to_snn reject bad configuration with typed errors") {
  auto ann = if08_network<Tiny<std::ratio<1>>>();
  const auto snn = ds::to_snn(ann);
  ds::SimulateOptions opt;
  opt.time_steps = 0;
  CHECK_THROWS_WITH_AS((void)ds::simulate(snn, one_sample(1), opt), doctest::Contains("time_steps = 0"),
                       ds::ConfigError);
  opt.time_steps = 4;
  opt.batch_size = 0;
  CHECK_THROWS_AS((void)ds::simulate(snn, one_sample(1), opt), ds::ConfigError);
  opt.batch_size = 10;
  ds::Dataset wrong = one_sample(1);
  wrong.images = ds::Matrix::Zero(3, 1);
  wrong.channels = 3;
  CHECK_THROWS_AS((void)ds::simulate(snn, wrong, opt), ds::ShapeError);
  ds::Dataset bad_label = one_sample(2);
  CHECK_THROWS_WITH_AS((void)ds::simulate(snn, bad_label, opt), doctest::Contains("labels[0] = 2"), ds::ConfigError);
  const std::vector<std::int32_t> two = {0, 1};
  opt.reference_predictions = two;
  CHECK_THROWS_AS((void)ds::simulate(snn, one_sample(1), opt), ds::ShapeError);

  ann.get<2>().weight(1, 0) = std::nanf("");
  CHECK_THROWS_WITH_AS((void)ds::to_snn(ann), doctest::Contains("2.weight[1, 0] = nan"), ds::ConfigError);
  auto ann2 = if08_network<Tiny<std::ratio<1>>>();
  CHECK_THROWS_AS(ann2.get<1>().set_v_threshold(0.0f), ds::ConfigError);
  CHECK_THROWS_AS(ann2.get<1>().set_v_threshold(-2.0f), ds::ConfigError);
}
