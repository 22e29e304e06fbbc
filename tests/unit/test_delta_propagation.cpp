// Event-driven (delta) synaptic propagation against the dense GEMM path: the row-blocked
// xsimd kernel, one dense synapse on random ternary spike trains, and whole SNNs whose
// predictions must not depend on the path or on the number of threads.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

#include "gradient_check.hpp"

namespace ds = dualspike;

TEST_CASE("collect_changes + apply_changes (tiled xsimd) equal the scalar sum for every output size 1..140") {
  // 1..140 rows cover: scalar tail only, single vectors, one and two 64-row tiles plus
  // tails; 300 inputs cover three 128-input tiles, the last one partial, and a scalar tail.
  ds::Rng rng(31);
  constexpr Eigen::Index in = 300;
  for (Eigen::Index out = 1; out <= 140; ++out) {
    const ds::Matrix W = gradcheck::random_matrix(out, in, rng);
    ds::Matrix x = ds::Matrix::Zero(in, 4);
    for (Eigen::Index j = 1; j < 4; ++j)  // samples with 0, 1, 9 and 40 changes (with repeats)
      for (int k = 0; k < (j == 1 ? 1 : j == 2 ? 9 : 40); ++k)
        x(static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(in))), j) = rng.uniform(-2.0f, 2.0f);
    x(in - 1, 3) = 1.5f;  // the scalar tail of the input
    ds::detail::DeltaSynapseState st;
    st.previous_input = ds::Matrix::Zero(in, 4);
    const std::size_t changes = ds::detail::collect_changes(x, st);
    CHECK(changes == static_cast<std::size_t>((x.array() != 0.0f).count()));
    ds::Matrix current = gradcheck::random_matrix(out, 4, rng);
    const ds::Matrix expected = current + W * x;
    ds::detail::apply_changes(W, st, current);
    INFO("out = " << out);
    CHECK((current - expected).cwiseAbs().maxCoeff() < 1e-4f);
  }
}

TEST_CASE("collect_changes lists exactly the changed inputs of each sample") {
  ds::detail::DeltaSynapseState st;
  st.previous_input = ds::Matrix::Zero(4, 2);
  ds::Matrix x(4, 2);
  x << 1, 0, 0, 0, -1, 1, 0, -1;  // column 0 = (1, 0, -1, 0), column 1 = (0, 0, 1, -1)
  REQUIRE(ds::detail::collect_changes(x, st) == 4);
  CHECK(st.offsets == std::vector<std::size_t>{0, 2, 4});
  CHECK(st.index[0] == 0);
  CHECK(st.delta[0] == 1.0f);
  CHECK(st.index[1] == 2);
  CHECK(st.delta[1] == -1.0f);
  CHECK(st.index[3] == 3);
  CHECK(st.previous_input == x);
  x(0, 0) = -1;  // one change of -2
  REQUIRE(ds::detail::collect_changes(x, st) == 1);
  CHECK(st.delta[0] == -2.0f);
}

TEST_CASE("propagate_dense: event, dense and automatic paths give the same current W x(t) + b") {
  ds::Rng rng(32);
  const ds::Matrix W = gradcheck::random_matrix(37, 50, rng);
  const ds::Vector b = gradcheck::random_matrix(37, 1, rng);
  ds::detail::DeltaSynapseState event, dense, automatic;
  ds::Matrix x = ds::Matrix::Zero(50, 6);
  for (int t = 0; t < 40; ++t) {
    const float p_change = t < 20 ? 0.05f : 0.6f;  // sparse, then dense changes
    for (Eigen::Index i = 0; i < x.size(); ++i)
      if (rng.uniform(0.0f, 1.0f) < p_change) x.data()[i] = static_cast<float>(rng.below(3)) - 1.0f;
    const ds::Matrix expected = (W * x).colwise() + b;
    const ds::Matrix& e = ds::detail::propagate_dense(W, b, x, event, ds::Propagation::event, 0.25);
    const ds::Matrix& d = ds::detail::propagate_dense(W, b, x, dense, ds::Propagation::dense, 0.25);
    const ds::Matrix& a = ds::detail::propagate_dense(W, b, x, automatic, ds::Propagation::automatic, 0.25);
    INFO("t = " << t);
    CHECK((e - expected).cwiseAbs().maxCoeff() < 1e-4f);
    CHECK((d - expected).cwiseAbs().maxCoeff() < 1e-5f);
    CHECK((a - expected).cwiseAbs().maxCoeff() < 1e-4f);
  }
  CHECK(event.event_steps == 39);  // every step after the first
  CHECK(dense.event_steps == 0);
  CHECK(automatic.event_steps > 10);  // the sparse phase
  CHECK(automatic.dense_steps > 10);  // the dense phase
}

namespace {
using Small = ds::Sequential<ds::Input<ds::Shape<20>>, ds::Dense<30>, ds::StReLU<>, ds::Dense<25>, ds::StReLU<>,
                             ds::Dense<5>>;
ds::Dataset small_dataset(std::size_t n, ds::Rng& rng) {
  ds::Dataset d;
  d.images.resize(20, static_cast<Eigen::Index>(n));
  for (Eigen::Index i = 0; i < d.images.size(); ++i) d.images.data()[i] = rng.uniform(0.0f, 1.0f);
  for (std::size_t j = 0; j < n; ++j) d.labels.push_back(static_cast<std::int32_t>(rng.below(5)));
  d.channels = 20;
  d.height = 1;
  d.width = 1;
  d.num_classes = 5;
  return d;
}

/// `Small` initialized from `seed`, with layer 1's weights times 4 so that part of it
/// saturates (repetitive spikes, as in a trained net), converted to an SNN.
auto saturated_small_snn(std::uint64_t seed) {  // a runner of it
  Small ann;
  ann.init(seed);
  ann.get<0>().weight *= 4.0f;
  return ds::Runner(ds::to_snn(ann));
}

/// Runs `snn` on `x` for `steps` steps on the dense path, then on the event and automatic
/// paths, whose readouts must match the dense one at every step within 1e-3, with at
/// least one event step on the second dense synapse (layer 2 of `Small`).
template <class Snn>
void check_paths_match_dense(Snn& snn, const ds::Matrix& x, int steps) {
  snn.set_propagation(ds::Propagation::dense);
  auto ref = snn.begin(x);
  std::vector<ds::Matrix> readouts;
  for (int t = 0; t < steps; ++t) {
    snn.step(ref);
    readouts.push_back(ref.readout());
  }
  for (auto mode : {ds::Propagation::event, ds::Propagation::automatic}) {
    snn.set_propagation(mode);
    auto s = snn.begin(x);
    for (int t = 0; t < steps; ++t) {
      snn.step(s);
      INFO("mode " << static_cast<int>(mode) << ", t = " << t + 1);
      CHECK((s.readout() - readouts[static_cast<std::size_t>(t)]).cwiseAbs().maxCoeff() < 1e-3f);
    }
    CHECK(s.template layer_state<2>().event_steps > 0);
  }
}
}  // namespace

TEST_CASE("SNN: every propagation path and thread count gives the same readout and predictions") {
  ds::Rng rng(33);
  const auto data = small_dataset(97, rng);
  auto snn = saturated_small_snn(4);
  using Snn = decltype(snn);
  static_assert(std::is_same_v<std::decay_t<decltype(Snn::State{}.layer_state<2>())>, ds::detail::DeltaSynapseState>);

  check_paths_match_dense(snn, data.images, 30);

  ds::SimulateOptions opt;
  opt.time_steps = 30;
  opt.batch_size = 40;  // 3 batches, the last one partial
  snn.set_propagation(ds::Propagation::dense);
  opt.threads = 1;
  const auto r_dense = ds::simulate(snn, data, opt);
  snn.set_propagation(ds::Propagation::automatic);
  const auto r_auto = ds::simulate(snn, data, opt);
  opt.threads = 3;
  const auto r_threads = ds::simulate(snn, data, opt);
  CHECK(r_auto.accuracy == r_dense.accuracy);
  CHECK(r_threads.accuracy == r_dense.accuracy);
  CHECK(r_threads.spikes_per_sample == r_dense.spikes_per_sample);
  CHECK_THROWS_AS(snn.set_propagation(ds::Propagation::automatic, 1.5), ds::ConfigError);
}

TEST_CASE("SNN: switching the propagation mode between steps keeps the currents exact") {
  ds::Rng rng(34);
  const auto data = small_dataset(50, rng);
  auto snn = saturated_small_snn(5);
  using Snn = decltype(snn);
  snn.set_propagation(ds::Propagation::dense);
  Snn::State ref;
  snn.begin(data.images, ref);
  std::vector<ds::Matrix> readouts;
  for (int t = 0; t < 8; ++t) {
    snn.step(ref);
    readouts.push_back(ref.readout());
  }
  // event, event, dense, dense, event, automatic, dense, event: after a dense step the
  // event path must not add changes against an input it did not see.
  const ds::Propagation modes[] = {ds::Propagation::event, ds::Propagation::event,  ds::Propagation::dense,
                                   ds::Propagation::dense, ds::Propagation::event,  ds::Propagation::automatic,
                                   ds::Propagation::dense, ds::Propagation::event};
  for (const bool calibrated : {false, true}) {
    if (calibrated) snn.calibrate(data.images.leftCols(20));
    Snn::State s;
    snn.set_propagation(modes[0]);
    snn.begin(data.images, s);
    for (int t = 0; t < 8; ++t) {
      snn.set_propagation(modes[t]);
      snn.step(s);
      INFO("calibrated " << calibrated << ", t = " << t + 1);
      CHECK((s.readout() - readouts[static_cast<std::size_t>(t)]).cwiseAbs().maxCoeff() < 1e-3f);
    }
    CHECK(s.template layer_state<2>().event_steps >= 2);
  }
}

TEST_CASE("event_break_even: high for a GEMV (batch 1), low for large batches") {
  CHECK(ds::detail::event_break_even(1) == doctest::Approx(0.9));
  CHECK(ds::detail::event_break_even(8) == doctest::Approx(0.66));
  CHECK(ds::detail::event_break_even(32) == doctest::Approx(0.5));
  CHECK(ds::detail::event_break_even(64) == doctest::Approx(0.42));
  CHECK(ds::detail::event_break_even(1000) == 0.4);  // clamped
  CHECK(ds::detail::event_break_even(0) == doctest::Approx(0.9));
}

TEST_CASE("count_changes counts differing entries; choose_event_path lists them only for the event path") {
  ds::Rng rng(35);
  for (Eigen::Index rows : {1, 7, 8, 9, 300}) {
    const ds::Matrix prev = gradcheck::random_matrix(rows, 3, rng);
    ds::Matrix x = prev;
    std::size_t expected = 0;
    for (Eigen::Index i = 0; i < x.size(); i += 3) {
      x.data()[i] += 1.0f;
      ++expected;
    }
    INFO("rows = " << rows);
    CHECK(ds::detail::count_changes(x, prev) == expected);
    CHECK(ds::detail::count_changes(prev, prev) == 0);
  }
  // 1/3 of the inputs change: above a threshold of 0.2 -> GEMM path, below 0.5 -> events.
  ds::detail::DeltaSynapseState st;
  st.previous_input = ds::Matrix::Zero(30, 2);
  ds::Matrix x = ds::Matrix::Zero(30, 2);
  for (Eigen::Index i = 0; i < x.size(); i += 3) x.data()[i] = 1.0f;
  CHECK_FALSE(ds::detail::choose_event_path(x, st, 0.2));
  CHECK(st.previous_input == x);
  CHECK(st.last_density == doctest::Approx(1.0 / 3.0));
  x = -x;
  CHECK(ds::detail::choose_event_path(x, st, 0.5));
  CHECK(st.offsets.back() == 20);  // the 20 changed entries are listed
  CHECK(st.delta[0] == -2.0f);
  CHECK(st.previous_input == x);
}

TEST_CASE("conv_event_break_even: Net2's second convolution") {
  // 0.6 * macs / (inputs * K*K*OC) = 0.6 * 1228800 / (1728 * 1600).
  CHECK(ds::detail::conv_event_break_even<ds::Conv2dLayer<ds::Shape<12, 12, 12>, 64, 5>>() == doctest::Approx(0.2667).epsilon(1e-3));
}

TEST_CASE("reference_from_samples: per input the most frequent of 0, max and min; its current W x_ref + b") {
  ds::Matrix x1(5, 5);
  x1 << 0, 0, 1, 1, 1,       // +1 three times: 1
      0, 0, -1, 1, 0,        // 0 three times: 0
      -1, -1, -1, 1, 0,      // -1 three times: -1
      0.5f, 0.5f, 0, 0, 0.25f,  // tie of 0.5 and 0: 0
      2, 2, -2, -2, 1;       // tie of 2 and -2 (no 0): the largest, 2
  ds::Matrix w(2, 5);
  w << 1, 2, 3, 4, 5,  //
      -1, 0, 1, 0, 0.5f;
  ds::Vector b(2);
  b << 0.25f, -0.5f;
  const ds::SynapseReference r = ds::detail::reference_from_samples(w, b, x1);
  ds::Vector want(5);
  want << 1, 0, -1, 0, 2;
  REQUIRE(r.size() == 1);
  CHECK(r.inputs.col(0) == want);
  CHECK(ds::detail::most_frequent_inputs(x1) == want);
  CHECK(r.currents(0, 0) == 0.25f + 1 - 3 + 10);
  CHECK(r.currents(1, 0) == -0.5f - 1 - 1 + 1);
  CHECK_FALSE(r.empty());
  CHECK(ds::SynapseReference{}.empty());

  CHECK_THROWS_WITH_AS((void)ds::detail::reference_from_samples(w, b, x1, 0),
                       "reference_from_samples: references = 0, expected >= 1", ds::ConfigError);
  CHECK_THROWS_WITH_AS((void)ds::detail::reference_from_samples(w, b, x1, 2, 0),
                       "reference_from_samples: max_iterations = 0, expected >= 1", ds::ConfigError);
  ds::Matrix bad = x1;
  bad(1, 2) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH_AS((void)ds::detail::reference_from_samples(w, b, bad),
                       "reference_from_samples.x1[11] = inf, expected a finite value", ds::ConfigError);
  CHECK_THROWS_WITH_AS((void)ds::detail::reference_from_samples(w, b, ds::Matrix(5, 0)),
                       "reference_from_samples: x1 has no samples (0 columns)", ds::ConfigError);
  CHECK_THROWS_WITH_AS((void)ds::detail::reference_from_samples(w, b, ds::Matrix::Zero(4, 3)),
                       "reference_from_samples: samples have 4 rows, bias 2, expected the weight's 5 inputs and 2 outputs",
                       ds::ShapeError);
}

TEST_CASE("reference_from_samples with several references: k-modes groups; nearest counts differing entries") {
  // Two groups of spike patterns: samples 0, 2, 4 are a = (1, 1, 0, 0, -1, 0) or one
  // entry off it, samples 1, 3, 5 are c = (0, 0, 1, -1, 0, 1) or one or two entries off.
  ds::Matrix x1(6, 6);
  x1 << 1, 0, 1, 1, 1, 0,    //
      1, 0, 1, 0, 1, 0,      //
      0, 1, 0, 1, 0, 1,      //
      0, -1, 0, -1, 0, -1,   //
      -1, 0, -1, 0, -1, -1,  //
      0, 1, 1, 1, 0, 1;
  ds::Matrix w(1, 6);
  w << 1, 2, 4, 8, 16, 32;
  const ds::Vector b = ds::Vector::Constant(1, 0.5f);
  const ds::SynapseReference r = ds::detail::reference_from_samples(w, b, x1, 2);
  REQUIRE(r.size() == 2);
  ds::Vector a(6), c(6);
  a << 1, 1, 0, 0, -1, 0;
  c << 0, 0, 1, -1, 0, 1;
  // Starts from samples 0 and 3 (k * 6 / 2), converges to the groups' modes.
  CHECK(r.inputs.col(0) == a);
  CHECK(r.inputs.col(1) == c);
  CHECK(r.currents(0, 0) == 0.5f + 1 + 2 - 16);
  CHECK(r.currents(0, 1) == 0.5f + 4 - 8 + 32);
  ds::Vector probe = c;
  probe(0) = 1;  // 1 entry from c, 5 from a
  CHECK(r.nearest(probe.data()) == 1);
  CHECK(r.nearest(a.data()) == 0);
  // More references than samples: one per sample.
  CHECK(ds::detail::reference_from_samples(w, b, x1.leftCols(3), 5).size() == 3);
}

TEST_CASE("Runner::calibrate: fewer step-1 changes, same readouts as the dense path") {
  ds::Rng rng(36);
  const auto data = small_dataset(80, rng);
  auto snn = saturated_small_snn(4);
  using Snn = decltype(snn);
  snn.set_propagation(ds::Propagation::event);
  // Step-1 changes of the second dense synapse, listed by the event path.
  const auto step1_changes = [&] {
    Snn::State s;
    snn.begin(data.images, s);
    snn.step(s);
    return s.template layer_state<2>().offsets.back();
  };
  const std::size_t from_zero = step1_changes();
  CHECK(snn.event_reference<2>().empty());
  snn.calibrate(data.images.leftCols(31));
  CHECK(snn.options().propagation == ds::Propagation::event);  // restored after the calibration step
  REQUIRE(snn.event_reference<2>().inputs.rows() == 30);
  CHECK(snn.event_reference<2>().size() == 16);  // the default number of references
  CHECK(snn.event_reference<4>().inputs.rows() == 25);
  CHECK(snn.event_reference<4>().currents.rows() == 5);
  CHECK(snn.event_reference<0>().empty());  // the analog input's synapse starts from 0
  const std::size_t from_reference = step1_changes();
  INFO("step-1 changes from zero " << from_zero << ", from the reference " << from_reference);
  CHECK(from_reference < from_zero);

  check_paths_match_dense(snn, data.images, 20);  // now from the reference
  // Time blocks start from the reference as well: on the calibration samples themselves
  // (31, a blocked batch), step 1 lists fewer changes than from zero.
  const ds::Matrix calibration = data.images.leftCols(31);
  snn.set_propagation(ds::Propagation::event);
  const auto block_changes = [&] {
    Snn::State s;
    snn.begin(calibration, s);
    snn.run(s, 1);
    REQUIRE(s.template layer_state<2>().block_current.cols() == 31);  // ran as a time block
    return s.template layer_state<2>().offsets.back();
  };
  const std::size_t block_from_reference = block_changes();
  const Snn copy = snn;
  snn.clear_calibration();
  CHECK(block_from_reference < block_changes());
  snn = copy;
  // A stream of 3 steps through one block gives the dense path's readout.
  Snn::State s1, d1;
  const ds::Matrix one = data.images.col(7);
  snn.set_propagation(ds::Propagation::automatic);
  snn.begin(one, s1);
  snn.run(s1, 3);
  CHECK(s1.layer_state<2>().block_current.cols() == 3);
  snn.set_propagation(ds::Propagation::dense);
  snn.begin(one, d1);
  snn.run(d1, 3);
  CHECK((s1.readout() - d1.readout()).cwiseAbs().maxCoeff() < 1e-4f);
  // The runner owns its copy of the network: changing the network it was built from
  // leaves the runner (and its references) as they were.
  {
    auto net = snn.network();
    ds::Runner changed(net);
    changed.calibrate(calibration);
    net.get<2>().weight *= 2.0f;
    CHECK(changed.network().get<2>().weight == snn.network().get<2>().weight);
    CHECK_FALSE(changed.event_reference<2>().empty());
  }
  // A run that has begun keeps the references it started with, even after the network
  // that owned them is gone (ASan would catch a dangling reference here).
  {
    Snn::State s, expected;
    {
      Snn net = snn;
      net.calibrate(calibration, 4);  // references owned by `net` alone
      net.set_propagation(ds::Propagation::event);
      net.begin(data.images, expected);
      net.step(expected);
      net.begin(data.images, s);
    }
    Snn cleared = snn;
    cleared.clear_calibration();
    cleared.set_propagation(ds::Propagation::event);
    cleared.step(s);
    CHECK(s.template layer_state<2>().offsets.back() == expected.layer_state<2>().offsets.back());
    CHECK(s.template layer_state<2>().offsets.back() < from_zero);
    CHECK(s.readout() == expected.readout());
  }
  // A run that never took an event step (dense mode) leaves no reference behind: the next
  // run of the same state, without references, starts from zero.
  {
    Snn::State s;
    snn.set_propagation(ds::Propagation::dense);
    snn.begin(data.images, s);
    snn.step(s);
    Snn cleared = snn;
    cleared.clear_calibration();
    cleared.set_propagation(ds::Propagation::event);
    cleared.begin(data.images, s);
    cleared.step(s);
    CHECK(s.template layer_state<2>().offsets.back() == from_zero);
  }
  // One reference per calibration sample: each of them starts from itself, so step 1
  // lists no change at all, and the readouts still match the dense path.
  {
    Snn own = snn;
    own.calibrate(calibration, 31);
    CHECK(own.event_reference<2>().size() == 31);
    Snn::State s;
    own.set_propagation(ds::Propagation::event);
    own.begin(calibration, s);
    own.step(s);
    CHECK(s.template layer_state<2>().offsets.back() == 0);
    check_paths_match_dense(own, calibration, 20);
  }
  snn.set_propagation(ds::Propagation::automatic);
  // One calibrated network shared by threads, each with its own state: the same results as
  // one thread and as the dense path.
  {
    ds::SimulateOptions opt;
    opt.time_steps = 20;
    opt.batch_size = 40;  // 2 batches, the last one partial
    opt.threads = 3;
    const auto r_threads = ds::simulate(snn, data, opt);
    opt.threads = 1;
    const auto r_one = ds::simulate(snn, data, opt);
    Snn dense = snn;
    dense.set_propagation(ds::Propagation::dense);
    const auto r_dense = ds::simulate(dense, data, opt);
    CHECK(r_threads.accuracy == r_dense.accuracy);
    CHECK(r_one.accuracy == r_dense.accuracy);
    CHECK(r_threads.spikes_per_sample == r_dense.spikes_per_sample);
  }

  CHECK_THROWS_WITH_AS(snn.calibrate(calibration, 0),
                       "Runner.calibrate.references_per_synapse = 0, expected >= 1",
                       ds::ConfigError);
  CHECK_THROWS_WITH_AS(snn.calibrate(ds::Matrix::Zero(19, 3)),
                       "Runner.calibrate: x has 19 rows (features), expected 20",
                       ds::ShapeError);
  CHECK_THROWS_AS(snn.calibrate(ds::Matrix::Zero(20, 0)), ds::ConfigError);
  ds::Matrix bad = data.images.leftCols(3);
  bad(5, 1) = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS(snn.calibrate(bad),
                       "Runner.calibrate.x[25] = nan, expected a finite value",
                       ds::ConfigError);  // x(5, 1) of 20 rows: flat index 25
  CHECK_FALSE(snn.event_reference<2>().empty());  // a refused calibration keeps the old one
  snn.clear_calibration();
  CHECK(snn.event_reference<2>().empty());
}
