// Event-driven Conv2d propagation (scatter of input changes into the output map) against
// the im2col + GEMM path: one synapse on random ternary trains for several kernel, stride
// and padding configurations, a hand-computed scatter, and a whole conv SNN whose readouts
// must not depend on the path.
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

#include "gradient_check.hpp"

namespace ds = dualspike;

namespace {
/// Runs 30 steps of random ternary inputs (sparse changes, then dense ones) through the
/// three paths and checks each against the layer's own forward pass.
template <class Conv>
void check_paths(std::uint64_t seed) {
  ds::Rng rng(seed);
  Conv conv;
  conv.init(rng);
  constexpr auto in = static_cast<Eigen::Index>(Conv::input_shape::size);
  ds::detail::ConvDeltaState event, dense, automatic;
  const ds::Matrix taps = conv.weight.transpose();
  event.prime_from_zero(conv, taps, 5);
  automatic.prime_from_zero(conv, taps, 5);
  ds::Matrix x = ds::Matrix::Zero(in, 5);
  ds::Matrix expected;
  for (int t = 0; t < 30; ++t) {
    const float p_change = t < 15 ? 0.03f : 0.5f;
    for (Eigen::Index i = 0; i < x.size(); ++i)
      if (rng.uniform(0.0f, 1.0f) < p_change) x.data()[i] = static_cast<float>(rng.below(3)) - 1.0f;
    conv.forward(x, expected);
    const ds::Matrix& e = ds::detail::propagate_conv(conv, x, event, ds::Propagation::event, 0.2);
    const ds::Matrix& d = ds::detail::propagate_conv(conv, x, dense, ds::Propagation::dense, 0.2);
    const ds::Matrix& a = ds::detail::propagate_conv(conv, x, automatic, ds::Propagation::automatic, 0.2);
    INFO("t = " << t);
    REQUIRE(e.rows() == expected.rows());
    CHECK((e - expected).cwiseAbs().maxCoeff() < 1e-4f);
    CHECK((d - expected).cwiseAbs().maxCoeff() < 1e-6f);
    CHECK((a - expected).cwiseAbs().maxCoeff() < 1e-4f);
  }
  CHECK(event.events.event_steps == 30);  // primed from x = 0: every step is an event step
  CHECK(automatic.events.event_steps > 5);
  CHECK(automatic.events.dense_steps > 5);
}
}  // namespace

TEST_CASE("propagate_conv: event, dense and automatic paths give conv(x(t)) + b") {
  SUBCASE("3 x 6 x 6 -> 9 channels, K = 3") { check_paths<ds::Conv2dLayer<ds::Shape<3, 6, 6>, 9, 3>>(41); }
  SUBCASE("stride 2, padding 1") { check_paths<ds::Conv2dLayer<ds::Shape<2, 7, 7>, 16, 3, 2, 1>>(42); }
  SUBCASE("K = 5, padding 2, one channel") { check_paths<ds::Conv2dLayer<ds::Shape<1, 5, 5>, 3, 5, 1, 2>>(43); }
}

TEST_CASE("propagate_conv: one input change scatters W[:, c, ky, kx] to the positions it reaches") {
  // 1 x 3 x 3 input, 2 output channels, K = 2, stride 1: the centre pixel (1, 1) reaches
  // all four output positions, through tap (1 - oy, 1 - ox).
  ds::Conv2dLayer<ds::Shape<1, 3, 3>, 2, 2> conv;
  for (Eigen::Index i = 0; i < conv.weight.size(); ++i) conv.weight.data()[i] = static_cast<float>(i + 1);
  conv.bias << 0.5f, -0.5f;  // weight(tap, o) = 1 + tap + 4 o
  ds::detail::ConvDeltaState st;
  const ds::Matrix taps = conv.weight.transpose();
  st.prime_from_zero(conv, taps, 1);
  ds::Matrix x = ds::Matrix::Zero(9, 1);
  x(4, 0) = 2.0f;
  const ds::Matrix& y = ds::detail::propagate_conv(conv, x, st, ds::Propagation::event, 0.0);
  // Output (o, oy, ox) = bias[o] + 2 * weight(tap = (1 - oy) * 2 + (1 - ox), o).
  for (int o = 0; o < 2; ++o)
    for (int oy = 0; oy < 2; ++oy)
      for (int ox = 0; ox < 2; ++ox) {
        const int tap = (1 - oy) * 2 + (1 - ox);
        const float want = (o == 0 ? 0.5f : -0.5f) + 2.0f * static_cast<float>(1 + tap + 4 * o);
        CHECK(y(o * 4 + oy * 2 + ox, 0) == want);
      }
}

TEST_CASE("conv SNN: event, dense and automatic propagation give the same readouts") {
  using Net = ds::Sequential<ds::Input<ds::Shape<1, 10, 10>>, ds::Conv2d<4, 3>, ds::StReLU<>, ds::AvgPool2d<2>,
                             ds::Conv2d<6, 3, 1, 1>, ds::StReLU<>, ds::Flatten, ds::Dense<5>>;
  Net ann;
  ann.init(7);
  ann.get<0>().weight *= 3.0f;  // saturate part of layer 1
  ds::Rng rng(44);
  const ds::Matrix x = gradcheck::random_matrix(100, 9, rng).cwiseAbs();
  auto snn = ds::Runner(ds::to_snn(ann));
  using Snn = decltype(snn);
  static_assert(std::is_same_v<std::decay_t<decltype(Snn::State{}.layer_state<3>())>, ds::detail::ConvDeltaState>);
  snn.set_propagation(ds::Propagation::dense);
  Snn::State ref;
  snn.begin(x, ref);
  std::vector<ds::Matrix> readouts;
  for (int t = 0; t < 25; ++t) {
    snn.step(ref);
    readouts.push_back(ref.readout());
  }
  // The paths round differently, so after many steps a membrane potential that lies within
  // float rounding of the threshold may spike on one path and not the other; allow such
  // flips in at most 2% of the readout entries.
  for (auto mode : {ds::Propagation::event, ds::Propagation::automatic}) {
    snn.set_propagation(mode);
    Snn::State s;
    snn.begin(x, s);
    Eigen::Index differing = 0, total = 0;
    for (int t = 0; t < 25; ++t) {
      snn.step(s);
      INFO("mode " << static_cast<int>(mode) << ", t = " << t + 1);
      if (t < 5) CHECK((s.readout() - readouts[static_cast<std::size_t>(t)]).cwiseAbs().maxCoeff() < 1e-4f);
      differing += ((s.readout() - readouts[static_cast<std::size_t>(t)]).array().abs() > 1e-3f).count();
      total += s.readout().size();
    }
    CHECK(static_cast<double>(differing) <= 0.02 * static_cast<double>(total));
    if (mode == ds::Propagation::event) CHECK(s.template layer_state<3>().events.event_steps == 25);
  }
}
