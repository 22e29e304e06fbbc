// Exact SOP counting (paper Table 5): each spike counted with its neuron's actual fan-out,
// on hand-computed cases - dense; convolution with padding (corners, edges, centre);
// stride 2; pooling (tiling, floor-mode border, into a convolution) - and end to end
// through Runner and simulate. Also the energy model (eqs. 23-24).
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

namespace ds = dualspike;

namespace {
using u64 = std::uint64_t;

// Fan-out maps, row-major over (y, x) of one channel, computed by hand.
// 3x3 input, 3x3 kernel, padding 1, stride 1: outputs covering (y, x) = n(y) n(x) with
// n = {2, 3, 2}; times OC = 2.
const std::vector<u64> pad1_3x3 = {8, 12, 8, 12, 18, 12, 8, 12, 8};
// 5x5 input, 3x3 kernel, stride 2, no padding (2x2 outputs): n = {1, 1, 2, 1, 1}; OC = 2.
const std::vector<u64> stride2_5x5 = {2, 2, 4, 2, 2, 2, 2, 4, 2, 2, 4, 4, 8, 4, 4, 2, 2, 4, 2, 2, 2, 2, 4, 2, 2};

template <class S>
using IF = ds::DualThresholdIF<S>;
}  // namespace

TEST_CASE("Fan-out of a spike into Dense: all its outputs") {
  using Snn = ds::SpikingSequential<IF<ds::Shape<3>>, ds::DenseLayer<3, 2>>;
  CHECK(ds::spike_fan_out<Snn, 0>() == std::vector<u64>{2, 2, 2});
  // The last neuron layer before the readout, and a neuron layer at the very end.
  using Ends = ds::SpikingSequential<ds::DenseLayer<2, 3>, IF<ds::Shape<3>>>;
  CHECK(ds::spike_fan_out<Ends, 1>() == std::vector<u64>{0, 0, 0});
}

TEST_CASE("Fan-out into Conv2d with padding 1: corners 4 taps, edges 6, centre 9 (x OC)") {
  using Snn = ds::SpikingSequential<IF<ds::Shape<1, 3, 3>>, ds::Conv2dLayer<ds::Shape<1, 3, 3>, 2, 3, 1, 1>>;
  CHECK(ds::spike_fan_out<Snn, 0>() == pad1_3x3);
  // Two input channels: the same map for each.
  using Two = ds::SpikingSequential<IF<ds::Shape<2, 3, 3>>, ds::Conv2dLayer<ds::Shape<2, 3, 3>, 2, 3, 1, 1>>;
  std::vector<u64> both = pad1_3x3;
  both.insert(both.end(), pad1_3x3.begin(), pad1_3x3.end());
  CHECK(ds::spike_fan_out<Two, 0>() == both);
  // The mean is the true one (the map sums to 98), not macs / inputs (2 * 9 * 9 / 9 = 18).
  CHECK(ds::Conv2dLayer<ds::Shape<1, 3, 3>, 2, 3, 1, 1>::fan_out() == doctest::Approx(98.0 / 9.0));
}

TEST_CASE("Fan-out into Conv2d with stride 2: inputs on the shared row/column feed twice as many") {
  using Snn = ds::SpikingSequential<IF<ds::Shape<1, 5, 5>>, ds::Conv2dLayer<ds::Shape<1, 5, 5>, 2, 3, 2, 0>>;
  CHECK(ds::spike_fan_out<Snn, 0>() == stride2_5x5);
  // A stride that skips inputs: 1-pixel kernel, stride 2 on 3x3 -> only (0|2, 0|2) feed.
  using Skip = ds::SpikingSequential<IF<ds::Shape<1, 3, 3>>, ds::Conv2dLayer<ds::Shape<1, 3, 3>, 3, 1, 2, 0>>;
  CHECK(ds::spike_fan_out<Skip, 0>() == std::vector<u64>{3, 0, 3, 0, 0, 0, 3, 0, 3});
}

TEST_CASE("Fan-out through AvgPool2d: the next synapse at the pooled position; floor mode drops the border") {
  // 4x4 -> pool 2 -> 2x2 -> Flatten -> Dense<4, 3>: every spike reaches 3 outputs.
  using Tiled = ds::SpikingSequential<IF<ds::Shape<1, 4, 4>>, ds::AvgPool2dLayer<ds::Shape<1, 4, 4>, 2>,
                                      ds::FlattenLayer<ds::Shape<1, 2, 2>>, ds::DenseLayer<4, 3>>;
  CHECK(ds::spike_fan_out<Tiled, 0>() == std::vector<u64>(16, 3));
  // 5x5 -> pool 2 -> 2x2: the last row and column belong to no window.
  using Floor = ds::SpikingSequential<IF<ds::Shape<1, 5, 5>>, ds::AvgPool2dLayer<ds::Shape<1, 5, 5>, 2>,
                                      ds::FlattenLayer<ds::Shape<1, 2, 2>>, ds::DenseLayer<4, 3>>;
  std::vector<u64> floor(25, 3);
  for (int i = 0; i < 5; ++i) floor[4 * 5 + i] = floor[i * 5 + 4] = 0;
  CHECK(ds::spike_fan_out<Floor, 0>() == floor);
  // 4x4 -> pool 2 -> 2x2 -> Conv 3x3 pad 1 (1 channel): each pooled position is covered by
  // all 4 outputs, so every spike costs 4.
  using IntoConv = ds::SpikingSequential<IF<ds::Shape<1, 4, 4>>, ds::AvgPool2dLayer<ds::Shape<1, 4, 4>, 2>,
                                         ds::Conv2dLayer<ds::Shape<1, 2, 2>, 1, 3, 1, 1>>;
  CHECK(ds::spike_fan_out<IntoConv, 0>() == std::vector<u64>(16, 4));
  // Overlapping windows (kernel 2, stride 1 on 3x3 -> 2x2, then Dense<4, 1>): the centre is
  // in all 4 windows, an edge in 2, a corner in 1.
  using Overlap = ds::SpikingSequential<IF<ds::Shape<1, 3, 3>>, ds::AvgPool2dLayer<ds::Shape<1, 3, 3>, 2, 1>,
                                        ds::FlattenLayer<ds::Shape<1, 2, 2>>, ds::DenseLayer<4, 1>>;
  CHECK(ds::spike_fan_out<Overlap, 0>() == std::vector<u64>{1, 2, 1, 2, 4, 2, 1, 2, 1});
}

TEST_CASE("Runner and simulate count each spike with its own fan-out") {
  // The padded convolution above; inputs of 1 make the chosen neurons fire at t = 1 (Vth = 1,
  // V >= Vth fires) and every step after.
  using Snn = ds::SpikingSequential<IF<ds::Shape<1, 3, 3>>, ds::Conv2dLayer<ds::Shape<1, 3, 3>, 2, 3, 1, 1>>;
  const Snn snn;
  const ds::Runner runner(snn);
  CHECK(runner.fan_out<0>() == pad1_3x3);
  ds::Matrix x = ds::Matrix::Zero(9, 2);
  x(0, 0) = 1.0f;   // corner: 8
  x(1, 0) = -1.0f;  // edge, a negative spike: 12
  x(4, 1) = 1.0f;   // centre: 18
  auto s = runner.begin(x);
  runner.step(s);
  CHECK(s.spikes()[0] == 3);
  CHECK(s.sops()[0] == 8 + 12 + 18);
  CHECK(runner.sops(s) == 38);

  ds::Dataset data;
  data.images = x;
  data.labels = {0, 1};
  data.height = 3;
  data.width = 3;
  data.num_classes = 2;
  ds::SimulateOptions opt;
  opt.time_steps = 3;
  for (const int threads : {1, 2}) {
    opt.threads = threads;
    opt.batch_size = 1;  // one sample per batch: the counts of separate runs add up
    const ds::SimulationResult r = ds::simulate(runner, data, opt);
    REQUIRE(r.neuron_layers == std::vector<std::size_t>{0});
    REQUIRE(r.sops_per_layer.size() == 1);
    CHECK(r.sops_per_layer[0] == std::vector<double>(3, 19.0));  // 38 SOPs over 2 samples
    CHECK(r.spikes_per_layer[0] == std::vector<double>(3, 1.5));
    CHECK(r.sops_per_sample == std::vector<double>(3, 19.0));
    CHECK(r.cumulative_sops(3) == 57.0);
    CHECK(r.input_macs_per_sample == 0.0);  // no layer before the first neuron layer
  }
}

TEST_CASE("input_layer_macs: the layers on the analog input, once per input") {
  using Snn = ds::SpikingSequential<ds::Conv2dLayer<ds::Shape<1, 3, 3>, 2, 3, 1, 1>, IF<ds::Shape<2, 3, 3>>,
                                    ds::FlattenLayer<ds::Shape<2, 3, 3>>, ds::DenseLayer<18, 4>>;
  CHECK(ds::input_layer_macs<Snn>() == 9 * 9 * 2);  // positions x C*K*K x OC (padding taps included)
  CHECK(ds::spike_fan_out<Snn, 1>() == std::vector<u64>(18, 4));
}

TEST_CASE("Energy (eqs. 23-24): 4.6 pJ per MAC, 0.077 pJ per SOP, summed to the paper's T") {
  ds::SimulationResult r;
  r.accuracy = {0.50, 0.975, 0.985, 0.99};
  r.sops_per_sample = {1000.0, 2000.0, 3000.0, 4000.0};
  r.input_macs_per_sample = 100.0;
  // ANN 99%: the error is below 1 point from T = 3 on (0.99 - 0.985 = 0.005), not at T = 2.
  CHECK(ds::energy_time_steps(r, 0.99) == 3u);
  CHECK(ds::energy_time_steps(r, 0.99, 0.001) == 4u);
  CHECK_FALSE(ds::energy_time_steps(r, 1.0, 0.001).has_value());
  const ds::EnergyEstimate e = ds::estimate_energy(1'000'000, r, 3);
  CHECK(e.snn_sops == 6000.0);
  CHECK(e.ann_pj == doctest::Approx(4.6e6));
  CHECK(e.snn_pj == doctest::Approx(0.077 * 6000.0));
  CHECK(e.input_pj == doctest::Approx(460.0));
  CHECK(e.ratio() == doctest::Approx(0.077 * 6000.0 / 4.6e6));
  CHECK(e.snn_total_pj() == doctest::Approx(0.077 * 6000.0 + 460.0));
  const ds::EnergyEstimate custom = ds::estimate_energy(10, r, 1, {.pj_per_mac = 1.0, .pj_per_sop = 0.5});
  CHECK(custom.ann_pj == 10.0);
  CHECK(custom.snn_pj == 500.0);
}

TEST_CASE("Energy: bad constants and time steps are typed errors naming the field") {
  ds::SimulationResult r;
  r.accuracy = {0.5};
  r.sops_per_sample = {1.0};
  auto message = [&](ds::EnergyModel m) {
    try {
      (void)ds::estimate_energy(1, r, 1, m);
    } catch (const ds::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message({.pj_per_mac = 0.0}).find("EnergyModel.pj_per_mac = 0") != std::string::npos);
  CHECK(message({.pj_per_sop = -1.0}).find("EnergyModel.pj_per_sop = -1") != std::string::npos);
  CHECK(message({.pj_per_sop = std::nan("")}).find("EnergyModel.pj_per_sop = nan") != std::string::npos);
  CHECK_THROWS_AS((void)ds::estimate_energy(1, r, 0), ds::ConfigError);
  CHECK_THROWS_AS((void)ds::estimate_energy(1, r, 2), ds::ConfigError);
  CHECK_THROWS_AS((void)ds::energy_time_steps(r, 1.5), ds::ConfigError);
  CHECK_THROWS_AS((void)ds::energy_time_steps(r, 0.5, 0.0), ds::ConfigError);
}
