// The activations of the paper's family besides stReLU (activations/): tReLU (eq. 22),
// atLeakyReLU (eq. 21), ReLU and LeakyReLU - forward and backward on hand-picked values,
// finite-difference gradient checks away from the kinks, and validation of alpha / Vth.
#include <cmath>
#include <limits>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

#include "gradient_check.hpp"

namespace ds = dualspike;

namespace {
/// forward(x) and backward(x, dy = 2) of `layer` on the 8 values of `x`.
template <class Layer>
void check_values(Layer& layer, const ds::Matrix& x, const ds::Matrix& want_y, const ds::Matrix& want_dx) {
  ds::Matrix y, dx;
  layer.forward(x, y);
  CHECK(y == want_y);
  Layer unused = layer;
  layer.backward(x, y, ds::Matrix::Constant(x.rows(), x.cols(), 2.0f), &dx, unused);
  CHECK(dx == want_dx);
}

ds::Matrix column(std::initializer_list<float> v) {
  ds::Matrix m(static_cast<Eigen::Index>(v.size()), 1);
  Eigen::Index i = 0;
  for (float x : v) m(i++, 0) = x;
  return m;
}

/// Random inputs in [-range, range) kept at least `gap` away from every kink in `kinks`.
ds::Matrix away_from(std::initializer_list<float> kinks, float range, Eigen::Index rows, ds::Rng& rng) {
  ds::Matrix x = gradcheck::random_matrix(rows, 3, rng) * range;
  for (Eigen::Index i = 0; i < x.size(); ++i)
    for (float k : kinks)
      if (std::abs(x.data()[i] - k) < 0.05f) x.data()[i] = k + 0.1f;
  return x;
}
}  // namespace

TEST_CASE("tReLU: clip(x, 0, Vth), gradient 1 strictly inside (0, Vth) (eq. 22)") {
  ds::TReLULayer<ds::Shape<8>> relu;
  const ds::Matrix x = column({-3, -1, -0.25f, 0, 0.25f, 0.75f, 1, 2});
  check_values(relu, x, column({0, 0, 0, 0, 0.25f, 0.75f, 1, 1}), column({0, 0, 0, 0, 2, 2, 0, 0}));
  relu.set_v_threshold(0.5f);
  check_values(relu, x, column({0, 0, 0, 0, 0.25f, 0.5f, 0.5f, 0.5f}), column({0, 0, 0, 0, 2, 0, 0, 0}));
}

TEST_CASE("atLeakyReLU (alpha = 0.5): x below 1, alpha x down to -1/alpha^2, then -1/alpha (eq. 21)") {
  ds::AtLeakyReLULayer<ds::Shape<8>, std::ratio<1, 2>> relu;
  CHECK(relu.alpha() == 0.5f);
  // -5 and -4 saturate at -1/alpha = -2; -3 -> -1.5; -1 -> -0.5; 0 -> 0 (slope alpha at 0).
  const ds::Matrix x = column({-5, -4, -3, -1, 0, 0.5f, 1, 3});
  check_values(relu, x, column({-2, -2, -1.5f, -0.5f, 0, 0.5f, 1, 1}), column({0, 0, 1, 1, 1, 2, 0, 0}));
  relu.set_alpha(1.0f);  // alpha = 1 is stReLU
  check_values(relu, x, column({-1, -1, -1, -1, 0, 0.5f, 1, 1}), column({0, 0, 0, 0, 2, 2, 0, 0}));
  relu.set_alpha(0.25f);
  relu.set_v_threshold(0.5f);  // saturation at -Vth/alpha = -2 for x <= -Vth/alpha^2 = -8
  check_values(relu, column({-9, -8, -4, -1, 0, 0.25f, 0.5f, 1}), column({-2, -2, -1, -0.25f, 0, 0.25f, 0.5f, 0.5f}),
               column({0, 0, 0.5f, 0.5f, 0.5f, 2, 0, 0}));
  ds::AtLeakyReLULayer<ds::Shape<1>> default_alpha;
  CHECK(default_alpha.alpha() == doctest::Approx(0.1f));
}

TEST_CASE("ReLU and LeakyReLU as PyTorch: gradient 0 (ReLU) or alpha (LeakyReLU) at x = 0") {
  ds::ReLULayer<ds::Shape<8>> relu;
  const ds::Matrix x = column({-3, -1, -0.25f, 0, 0.25f, 1, 2, 1000});
  check_values(relu, x, column({0, 0, 0, 0, 0.25f, 1, 2, 1000}), column({0, 0, 0, 0, 2, 2, 2, 2}));
  ds::LeakyReLULayer<ds::Shape<8>, std::ratio<1, 4>> leaky;
  check_values(leaky, x, column({-0.75f, -0.25f, -0.0625f, 0, 0.25f, 1, 2, 1000}),
               column({0.5f, 0.5f, 0.5f, 0.5f, 2, 2, 2, 2}));
  ds::LeakyReLULayer<ds::Shape<1>> default_alpha;
  CHECK(default_alpha.alpha() == doctest::Approx(0.01f));
}

TEST_CASE("gradient check: tReLU, atLeakyReLU, ReLU, LeakyReLU away from their kinks") {
  ds::Rng rng(41);
  ds::TReLULayer<ds::Shape<6>> trelu;
  gradcheck::check_layer(trelu, away_from({0.0f, 1.0f}, 2.0f, 6, rng));
  ds::AtLeakyReLULayer<ds::Shape<6>, std::ratio<1, 2>> at;  // kinks at 0, 1 and -4
  gradcheck::check_layer(at, away_from({-4.0f, 0.0f, 1.0f}, 6.0f, 6, rng));
  ds::ReLULayer<ds::Shape<6>> relu;
  gradcheck::check_layer(relu, away_from({0.0f}, 2.0f, 6, rng));
  ds::LeakyReLULayer<ds::Shape<6>, std::ratio<1, 10>> leaky;
  gradcheck::check_layer(leaky, away_from({0.0f}, 2.0f, 6, rng));
}

TEST_CASE("alpha and Vth must be finite and > 0, named in the error") {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  ds::AtLeakyReLULayer<ds::Shape<2>> at;
  CHECK_THROWS_WITH_AS(at.set_alpha(0.0f), "AtLeakyReLU.alpha = 0, expected a finite value > 0", ds::ConfigError);
  CHECK_THROWS_WITH_AS(at.set_alpha(-0.1f), doctest::Contains("AtLeakyReLU.alpha = -0.1"), ds::ConfigError);
  CHECK_THROWS_WITH_AS(at.set_alpha(nan), doctest::Contains("AtLeakyReLU.alpha = nan"), ds::ConfigError);
  CHECK_THROWS_WITH_AS(at.set_v_threshold(inf), doctest::Contains("AtLeakyReLU.v_threshold = inf"), ds::ConfigError);
  CHECK(at.alpha() == doctest::Approx(0.1f));  // a refused value changes nothing
  ds::LeakyReLULayer<ds::Shape<2>> leaky;
  CHECK_THROWS_WITH_AS(leaky.set_alpha(-inf), doctest::Contains("LeakyReLU.alpha = -inf"), ds::ConfigError);
  ds::TReLULayer<ds::Shape<2>> trelu;
  CHECK_THROWS_WITH_AS(trelu.set_v_threshold(0.0f), doctest::Contains("TReLU.v_threshold = 0"), ds::ConfigError);
}
