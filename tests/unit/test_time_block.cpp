// Time-blocked evaluation (`SpikingSequential::run`): a block of steps through one dense
// synapse (`propagate_dense_steps`) and one IF layer (`DualThresholdIF::steps`) against
// the step-by-step path, a hand-computed spike train, and whole SNNs run both ways.
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

#include "gradient_check.hpp"

namespace ds = dualspike;

namespace {
/// A random ternary spike train times `vth`: `rows x batch` per step, `steps` steps; a
/// fraction `flip` of the entries draws a new value at each step.
std::vector<ds::Matrix> spike_train(Eigen::Index rows, Eigen::Index batch, int steps, float flip, float vth,
                                    ds::Rng& rng) {
  std::vector<ds::Matrix> train;
  ds::Matrix x = ds::Matrix::Zero(rows, batch);
  for (int t = 0; t < steps; ++t) {
    for (Eigen::Index i = 0; i < x.size(); ++i)
      if (t == 0 || rng.uniform(0.0f, 1.0f) < flip) x.data()[i] = vth * (static_cast<float>(rng.below(3)) - 1.0f);
    train.push_back(x);
  }
  return train;
}

/// Steps [t0, t0 + n) of `train` as one block, `rows x (n * batch)`.
ds::Matrix block_of(const std::vector<ds::Matrix>& train, int t0, int n) {
  const Eigen::Index batch = train[0].cols();
  ds::Matrix b(train[0].rows(), n * batch);
  for (int t = 0; t < n; ++t) b.middleCols(t * batch, batch) = train[static_cast<std::size_t>(t0 + t)];
  return b;
}

using Small = ds::Sequential<ds::Input<ds::Shape<20>>, ds::Dense<30>, ds::StReLU<>, ds::Dense<150>, ds::StReLU<>,
                             ds::Dense<5>>;
}  // namespace

TEST_CASE("propagate_dense_steps: a block of steps gives the currents of step-by-step propagate_dense") {
  ds::Rng rng(51);
  const ds::Matrix w = gradcheck::random_matrix(70, 300, rng);
  const ds::Vector b = gradcheck::random_matrix(70, 1, rng);
  for (Eigen::Index batch : {1, 3}) {
    const auto train = spike_train(300, batch, 12, 0.1f, 0.5f, rng);
    ds::detail::DeltaSynapseState ref;
    ref.prime_from_zero(b, 300, batch);
    std::vector<ds::Matrix> want;
    for (const auto& x : train)
      want.push_back(ds::detail::propagate_dense(w, b, x, ref, ds::Propagation::dense, 0.0));
    for (auto mode : {ds::Propagation::event, ds::Propagation::dense, ds::Propagation::automatic}) {
      ds::detail::DeltaSynapseState st;
      st.prime_from_zero(b, 300, batch);
      int t0 = 0;
      for (int n : {1, 2, 5, 4}) {  // blocks of 1, 2, 5 and 4 steps: 12 in all
        const ds::Matrix& y = ds::detail::propagate_dense_steps(w, b, block_of(train, t0, n), batch, st, mode, -1.0);
        REQUIRE(y.rows() == 70);
        REQUIRE(y.cols() == n * batch);
        for (int t = 0; t < n; ++t) {
          INFO("batch " << batch << ", mode " << static_cast<int>(mode) << ", step " << t0 + t + 1);
          CHECK((y.middleCols(t * batch, batch) - want[static_cast<std::size_t>(t0 + t)]).cwiseAbs().maxCoeff() <
                1e-4f);
        }
        t0 += n;
      }
      CHECK((st.current - want.back()).cwiseAbs().maxCoeff() < 1e-4f);
      CHECK(st.previous_input == train.back());
      CHECK(st.event_steps + st.dense_steps == 12);
      if (mode == ds::Propagation::event) CHECK(st.event_steps == 12);
      if (mode == ds::Propagation::dense) CHECK(st.dense_steps == 12);
    }
  }
}

TEST_CASE("DualThresholdIF::steps: hand-computed spike trains, constant and per-step current") {
  const ds::DualThresholdIF<ds::Shape<2>> neuron(1.0f);
  ds::Matrix v;
  neuron.begin(v, 1);
  ds::Matrix current(2, 1);
  current << 0.75f, -0.5f;  // exact in float
  ds::Matrix out;
  neuron.steps(current, v, out, 5);  // the same current at every step
  // Row 0, V: 0.75, 1.5 -> spike (0.5), 1.25 -> spike (0.25), 1.0 -> spike (V >= Vth: 0), 0.75.
  // Row 1, V: -0.5, -1.0 -> spike (0), -0.5, -1.0 -> spike (0), -0.5.
  ds::Matrix want(2, 5);
  want << 0, 1, 1, 1, 0,  //
      0, -1, 0, -1, 0;
  CHECK(out == want);
  CHECK(v(0, 0) == 0.75f);
  CHECK(v(1, 0) == -0.5f);
  // A per-step current, 3 steps. Row 0: 2.5 (spike, V 1.5; one spike per step at most),
  // -0.25 (V 1.25, spike, 0.25), 0 (V 0.25). Row 1: 0, 0, -1 (spike, V 0).
  ds::Matrix per_step(2, 3);
  per_step << 2.5f, -0.25f, 0.0f,  //
      0.0f, 0.0f, -1.0f;
  neuron.begin(v, 1);
  neuron.steps(per_step, v, out, 3);
  ds::Matrix want3(2, 3);
  want3 << 1, 1, 0,  //
      0, 0, -1;
  CHECK(out == want3);
  CHECK(v(0, 0) == 0.25f);
  CHECK(v(1, 0) == 0.0f);
}

TEST_CASE("Runner::run: readouts and spike counts of step-by-step evaluation, any batch and T") {
  ds::Rng rng(52);
  Small ann;
  ann.init(5);
  ann.get<0>().weight *= 4.0f;  // saturate part of layer 1
  auto snn = ds::Runner(ds::to_snn(ann));
  using Snn = decltype(snn);
  CHECK(Snn::max_time_block(1) == 63);  // blocks stay below 64 columns
  CHECK(Snn::max_time_block(5) == 12);
  CHECK(Snn::max_time_block(31) == 2);
  CHECK(Snn::max_time_block(32) == 1);
  for (Eigen::Index batch : {1, 5, 70}) {
    const ds::Matrix x = gradcheck::random_matrix(20, batch, rng).cwiseAbs();
    for (std::size_t T : {1u, 3u, 7u, 100u}) {
      Snn::State ref, s;
      snn.begin(x, ref);
      std::vector<ds::Matrix> readouts;
      std::vector<std::size_t> spikes;
      for (std::size_t t = 0; t < T; ++t) {
        snn.step(ref);
        readouts.push_back(ref.readout());
        spikes.push_back(ref.spikes()[1] + ref.spikes()[3]);
      }
      snn.begin(x, s);
      std::size_t calls = 0, spike_mismatches = 0;
      Eigen::Index differing = 0, total = 0;
      snn.run(s, T, [&](std::size_t t, const Snn::State& st) {
        INFO("batch " << batch << ", T " << T << ", step " << t);
        REQUIRE(t == ++calls);
        // Float rounding differs between the paths; a membrane potential within rounding of
        // the threshold may flip a spike late in a long run (it did once in 100 steps), so
        // after step 10 at most 2% of the readout entries and steps may differ.
        if (t <= 10) {
          CHECK((st.readout() - readouts[t - 1]).cwiseAbs().maxCoeff() < 1e-4f);
          CHECK(st.spikes()[1] + st.spikes()[3] == spikes[t - 1]);
        }
        differing += ((st.readout() - readouts[t - 1]).array().abs() > 1e-3f).count();
        total += st.readout().size();
        spike_mismatches += st.spikes()[1] + st.spikes()[3] != spikes[t - 1];
      });
      CHECK(calls == T);
      CHECK(static_cast<double>(differing) <= 0.02 * static_cast<double>(total));
      CHECK(static_cast<double>(spike_mismatches) <= 0.02 * static_cast<double>(T));
      const auto& synapse = s.template layer_state<2>();
      CHECK(synapse.event_steps + synapse.dense_steps == T);
      if (batch < 32 && T > 1) CHECK(synapse.block_current.cols() > batch);  // ran in time blocks
      if (batch >= 32) CHECK(synapse.block_current.cols() == 0);             // ran step by step
    }
  }
  // T = 0, and a state never begun: typed errors, no step, no call.
  Snn::State s;
  CHECK_THROWS_WITH_AS(snn.run(s, 3), "Runner.run: the state was never begun; call Runner::begin(x, state) first",
                       ds::ConfigError);
  CHECK_THROWS_WITH_AS(snn.step(s), "Runner.step: the state was never begun; call Runner::begin(x, state) first",
                       ds::ConfigError);
  snn.begin(ds::Matrix::Ones(20, 1), s);
  CHECK_THROWS_WITH_AS(snn.run(s, 0, [](std::size_t, const Snn::State&) { FAIL("no step expected"); }),
                       "Runner.run.steps = 0, expected >= 1", ds::ConfigError);
  CHECK(s.readout().isZero());
  CHECK(s.time_step() == 0);
  // An empty batch: three steps of nothing, no division by the batch size.
  snn.begin(ds::Matrix(20, 0), s);
  std::size_t calls = 0;
  snn.run(s, 3, [&](std::size_t, const Snn::State&) { ++calls; });
  CHECK(calls == 3);
  CHECK(s.readout().rows() == 5);
  CHECK(s.readout().cols() == 0);
}

TEST_CASE("Runner::run: mixed with step on one State, blocks and steps continue each other") {
  ds::Rng rng(54);
  Small ann;
  ann.init(6);
  ann.get<0>().weight *= 4.0f;
  const auto snn = ds::Runner(ds::to_snn(ann));
  using Snn = std::remove_const_t<decltype(snn)>;
  const ds::Matrix x = gradcheck::random_matrix(20, 2, rng).cwiseAbs();
  Snn::State ref, s;
  snn.begin(x, ref);
  snn.begin(x, s);
  for (int t = 0; t < 8; ++t) snn.step(ref);
  snn.run(s, 3);
  snn.step(s);
  snn.run(s, 4);
  CHECK((s.readout() - ref.readout()).cwiseAbs().maxCoeff() < 1e-4f);
  CHECK(s.template layer_state<1>().isApprox(ref.layer_state<1>(), 1e-4f));
}

TEST_CASE("DualThresholdIF::steps: a batch of 2 at Vth = 0.5; wrong shapes are refused") {
  const ds::DualThresholdIF<ds::Shape<1>> neuron(0.5f);
  ds::Matrix v;
  neuron.begin(v, 2);
  ds::Matrix current(1, 4);  // step 1: samples 0, 1; step 2: samples 0, 1
  current << 0.5f, 0.25f, 0.0f, 0.25f;
  ds::Matrix out;
  neuron.steps(current, v, out, 2);
  ds::Matrix want(1, 4);
  want << 0.5f, 0.0f, 0.0f, 0.5f;  // Vth * spike: sample 0 fires at step 1, sample 1 at step 2
  CHECK(out == want);
  CHECK(v.isZero());
  CHECK_THROWS_AS(neuron.steps(ds::Matrix(1, 3), v, out, 2), ds::ShapeError);
  CHECK_THROWS_AS(neuron.steps(ds::Matrix(2, 4), v, out, 2), ds::ShapeError);
  ds::detail::DeltaSynapseState st;
  const ds::Matrix w = ds::Matrix::Ones(3, 1);
  const ds::Vector b = ds::Vector::Zero(3);
  CHECK_THROWS_AS((void)ds::detail::propagate_dense_steps(w, b, ds::Matrix(1, 4), 0, st, ds::Propagation::event, -1.0),
                  ds::ShapeError);
  CHECK_THROWS_AS((void)ds::detail::propagate_dense_steps(w, b, ds::Matrix(1, 5), 2, st, ds::Propagation::event, -1.0),
                  ds::ShapeError);
  // An unprimed state runs the block on the GEMM path.
  ds::Matrix x(1, 4);
  x << 1, 2, 3, 4;
  const ds::Matrix& y = ds::detail::propagate_dense_steps(w, b, x, 2, st, ds::Propagation::event, -1.0);
  CHECK(y == ds::Matrix::Ones(3, 1) * x);
  CHECK(st.dense_steps == 2);
}

TEST_CASE("Runner::run: networks with other layers run step by step, identically") {
  using Net = ds::Sequential<ds::Input<ds::Shape<1, 6, 6>>, ds::Conv2d<3, 3>, ds::StReLU<>, ds::Flatten, ds::Dense<4>>;
  Net ann;
  ann.init(8);
  ds::Rng rng(53);
  const ds::Matrix x = gradcheck::random_matrix(36, 2, rng).cwiseAbs();
  const auto snn = ds::Runner(ds::to_snn(ann));
  using Snn = std::remove_const_t<decltype(snn)>;
  Snn::State ref, s;
  snn.begin(x, ref);
  snn.begin(x, s);
  std::size_t calls = 0;
  snn.run(s, 6, [&](std::size_t, const Snn::State& st) {
    snn.step(ref);
    ++calls;
    CHECK(st.readout() == ref.readout());
    CHECK(st.spikes() == ref.spikes());
  });
  CHECK(calls == 6);
}
