// Per-layer conversion error (analysis/conversion_error.hpp) on the IF-08 network of
// shared/cases/cases.json, computed by hand: hidden currents [0.375, 0.4375] for
// x = [0.5, 0.25] (spike trains 00100101 and 00101010) and [-0.375, -0.3125] for -x
// (negative spikes at t = 3, 6, 8 and t = 4, 7).
#include <cmath>
#include <cstddef>
#include <ratio>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/analysis/conversion_error.hpp>
#include <dualspike/dualspike.hpp>

namespace ds = dualspike;

namespace {
using Tiny = ds::Sequential<ds::Input<ds::Shape<2>>, ds::Dense<2>, ds::StReLU<std::ratio<1>>, ds::Dense<2>>;

Tiny if08() {
  Tiny net;
  net.get<0>().weight << 1.0f, -0.5f, 0.5f, 0.5f;
  net.get<0>().bias << 0.0f, 0.0625f;
  net.get<2>().weight << 1.0f, -1.0f, 0.5f, 1.0f;
  net.get<2>().bias << 0.25f, 0.0f;
  return net;
}

ds::Matrix inputs() {
  ds::Matrix x(2, 2);
  x << 0.5f, -0.5f, 0.25f, -0.25f;
  return x;
}

// Hand-computed spike counts of the four (neuron, sample) pairs after each step t = 1..8:
// sample 0: n1, n2; sample 1: n1, n2 (negative).
const int counts[8][4] = {{0, 0, 0, 0},   {0, 0, 0, 0},   {1, 1, -1, 0},  {1, 1, -1, -1},
                          {1, 2, -1, -1}, {2, 2, -2, -1}, {2, 3, -2, -2}, {3, 3, -3, -2}};
const double z[4] = {0.375, 0.4375, -0.375, -0.3125};
}  // namespace

TEST_CASE("Per-layer conversion error: mean |z - r(t)| and the share more than 1/t away, by hand") {
  const Tiny ann = if08();
  const ds::Runner runner(ds::to_snn(ann));
  ds::LayerErrorOptions opt;
  opt.time_steps = 8;
  for (const std::size_t batch : {1u, 2u}) {
    opt.batch_size = batch;
    const ds::LayerConversionError e = ds::layer_conversion_error(ann, runner, inputs(), opt);
    REQUIRE(e.ann_layers == std::vector<std::size_t>{1});
    REQUIRE(e.snn_layers == std::vector<std::size_t>{1});
    REQUIRE(e.neurons == std::vector<std::size_t>{2});
    CHECK(e.samples == 2);
    REQUIRE(e.mean_abs_error.size() == 1);
    REQUIRE(e.mean_abs_error[0].size() == 8);
    for (int t = 1; t <= 8; ++t) {
      CAPTURE(t);
      double sum = 0.0;
      int off = 0;
      for (int p = 0; p < 4; ++p) {
        const double err = std::abs(z[p] - counts[t - 1][p] / static_cast<double>(t));
        sum += err;
        off += err > 1.0 / t;
      }
      CHECK(e.mean_abs_error[0][t - 1] == doctest::Approx(sum / 4.0));
      CHECK(e.fraction_off[0][t - 1] == off / 4.0);
    }
    // A few of them in full: t = 1 (no spike yet), t = 3, t = 8.
    CHECK(e.mean_abs_error[0][0] == doctest::Approx(0.375));
    CHECK(e.mean_abs_error[0][2] == doctest::Approx((0.375 - 1.0 / 3 + 0.4375 - 1.0 / 3 + 0.375 - 1.0 / 3 + 0.3125) / 4));
    CHECK(e.mean_abs_error[0][7] == doctest::Approx(0.03125));
    CHECK(e.fraction_off[0] == std::vector<double>(8, 0.0));  // never more than one spike away
  }
}

TEST_CASE("Per-layer conversion error with normalization scales: saturated neurons are more than 1/t off") {
  const Tiny ann = if08();
  const ds::Runner runner(ds::to_snn(ann));
  ds::LayerErrorOptions opt;
  opt.time_steps = 8;
  opt.activation_scales = {0.25f};  // z = 4a: 1.5, 1.75, -1.5, -1.25, beyond the rate of 1
  const ds::LayerConversionError e = ds::layer_conversion_error(ann, runner, inputs(), opt);
  const double expected = (1.5 - 3.0 / 8 + 1.75 - 3.0 / 8 + 1.5 - 3.0 / 8 + 1.25 - 2.0 / 8) / 4;
  CHECK(e.mean_abs_error[0][7] == doctest::Approx(expected));
  CHECK(e.fraction_off[0][7] == 1.0);
  CHECK(e.fraction_off[0][0] == 1.0);  // at t = 1 all four are more than 1 away
}

TEST_CASE("Per-layer conversion error: bad inputs are typed errors before any simulation") {
  const Tiny ann = if08();
  const ds::Runner runner(ds::to_snn(ann));
  ds::LayerErrorOptions opt;
  CHECK_THROWS_AS((void)ds::layer_conversion_error(ann, runner, ds::Matrix::Zero(3, 2), opt), ds::ShapeError);
  CHECK_THROWS_AS((void)ds::layer_conversion_error(ann, runner, ds::Matrix::Zero(2, 0), opt), ds::ConfigError);
  ds::Matrix nan = inputs();
  nan(1, 1) = std::nanf("");
  CHECK_THROWS_WITH_AS((void)ds::layer_conversion_error(ann, runner, nan, opt),
                       doctest::Contains("layer_conversion_error.x"), ds::ConfigError);
  opt.time_steps = 0;
  CHECK_THROWS_WITH_AS((void)ds::layer_conversion_error(ann, runner, inputs(), opt),
                       doctest::Contains("LayerErrorOptions.time_steps"), ds::ConfigError);
  opt.time_steps = 4;
  opt.activation_scales = {1.0f, 2.0f};
  CHECK_THROWS_WITH_AS((void)ds::layer_conversion_error(ann, runner, inputs(), opt),
                       doctest::Contains("activation_scales has 2 entries, expected 1"), ds::ShapeError);
  opt.activation_scales = {-1.0f};
  CHECK_THROWS_WITH_AS((void)ds::layer_conversion_error(ann, runner, inputs(), opt),
                       doctest::Contains("activation_scales[0] = -1"), ds::ConfigError);
}
