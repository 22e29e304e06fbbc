// Optimizers, schedules, initialization, Sequential's run-time checks and the training
// loop's validation.
#include <cmath>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

namespace ds = dualspike;

TEST_CASE("Adam: constant gradient moves each step by lr (bias correction), as torch.optim.Adam") {
  std::vector<float> p = {1.0f, -2.0f}, g = {0.5f, -4.0f};
  ds::ParameterList params{{"p", p}}, grads{{"p", g}};
  ds::Adam adam{0.1f};
  adam.step(params, grads, 0.1f);
  CHECK(p[0] == doctest::Approx(0.9f).epsilon(1e-6));
  CHECK(p[1] == doctest::Approx(-1.9f).epsilon(1e-6));
  adam.step(params, grads, 0.1f);
  CHECK(p[0] == doctest::Approx(0.8f).epsilon(1e-6));
  CHECK(p[1] == doctest::Approx(-1.8f).epsilon(1e-6));
  CHECK(adam.state.t == 2);
  // Mismatched gradient list.
  std::vector<float> g_short = {1.0f};
  ds::ParameterList bad{{"p", g_short}};
  CHECK_THROWS_AS(adam.step(params, bad, 0.1f), ds::ShapeError);
  CHECK_THROWS_WITH_AS((ds::Adam{-1.0f}.validate()), doctest::Contains("Adam.lr = -1"), ds::ConfigError);
  CHECK_THROWS_AS((ds::Adam{1e-3f, 1.0f}.validate()), ds::ConfigError);
}

TEST_CASE("SGD with momentum follows torch.optim.SGD") {
  std::vector<float> p = {1.0f}, g = {2.0f};
  ds::ParameterList params{{"p", p}}, grads{{"p", g}};
  ds::SGD sgd{0.1f, 0.5f};
  sgd.step(params, grads, 0.1f);  // buf = 2, p = 1 - 0.2
  CHECK(p[0] == doctest::Approx(0.8f));
  sgd.step(params, grads, 0.1f);  // buf = 0.5*2 + 2 = 3, p = 0.8 - 0.3
  CHECK(p[0] == doctest::Approx(0.5f));
}

TEST_CASE("learning-rate schedules") {
  ds::LrSchedule cosine;  // default: cosine to 0
  CHECK(cosine.factor(0.0, 10) == doctest::Approx(1.0));
  CHECK(cosine.factor(5.0, 10) == doctest::Approx(0.5));
  CHECK(cosine.factor(10.0, 10) == doctest::Approx(0.0));
  cosine.final_factor = 0.1f;
  CHECK(cosine.factor(10.0, 10) == doctest::Approx(0.1));
  CHECK(cosine.factor(5.0, 10) == doctest::Approx(0.55));
  ds::LrSchedule step{ds::LrSchedule::Kind::step, 0.0f, 3, 0.5f};
  CHECK(step.factor(2.9, 10) == 1.0f);
  CHECK(step.factor(3.0, 10) == 0.5f);
  CHECK(step.factor(6.5, 10) == 0.25f);
  CHECK(ds::LrSchedule{ds::LrSchedule::Kind::constant}.factor(7.0, 10) == 1.0f);
  CHECK(ds::LrSchedule::parse_kind("step") == ds::LrSchedule::Kind::step);
  CHECK_THROWS_WITH_AS(ds::LrSchedule::parse_kind("linear"), doctest::Contains("'linear'"), ds::ConfigError);
  ds::LrSchedule bad{ds::LrSchedule::Kind::step, 0.0f, 0, 0.5f};
  CHECK_THROWS_AS(bad.validate(), ds::ConfigError);
}

TEST_CASE("init is seeded, PyTorch-default bounded, and parameters are named like a state_dict") {
  using Net = ds::nets::Net1;
  static_assert(Net::num_layers == 5);
  static_assert(std::is_same_v<Net::layer_type<2>, ds::DenseLayer<1200, 1200>>);
  static_assert(std::is_same_v<Net::output_shape, ds::Shape<10>>);
  static_assert(Net::macs() == 784 * 1200 + 1200 * 1200 + 1200 * 10);
  Net fresh, zero_seeded;  // constructed networks are initialized (seed 0), never all-zero
  zero_seeded.init(0);
  CHECK(fresh.get<0>().weight == zero_seeded.get<0>().weight);
  CHECK_FALSE(fresh.get<0>().weight.isZero());
  Net a, b, c;
  a.init(42);
  b.init(42);
  c.init(43);
  CHECK(a.get<0>().weight == b.get<0>().weight);
  CHECK(a.get<4>().bias == b.get<4>().bias);
  CHECK(a.get<0>().weight != c.get<0>().weight);
  const float bound = 1.0f / std::sqrt(784.0f);
  CHECK(a.get<0>().weight.maxCoeff() <= bound);
  CHECK(a.get<0>().weight.minCoeff() >= -bound);
  CHECK(a.get<0>().weight.maxCoeff() > 0.9f * bound);  // actually spread over the range
  const ds::ParameterList params = a.parameters();
  REQUIRE(params.size() == 6);
  CHECK(params[0].name == "0.weight");
  CHECK(params[0].values.size() == 784u * 1200u);
  CHECK(params[3].name == "2.bias");
  CHECK(params[4].name == "4.weight");
}

TEST_CASE("Sequential rejects inputs of the wrong size with ShapeError") {
  using Net = ds::Sequential<ds::Input<ds::Shape<3>>, ds::Dense<2>>;
  Net net;
  net.init(1);
  CHECK_THROWS_WITH_AS((void)net.predict(ds::Matrix::Zero(4, 2)), doctest::Contains("4 rows"), ds::ShapeError);
  Net::Workspace ws;
  CHECK_THROWS_AS((void)net.forward(ds::Matrix::Zero(2, 1), ws), ds::ShapeError);
  CHECK(net.predict(ds::Matrix::Zero(3, 5)).cols() == 5);
}

TEST_CASE("train: learns a separable toy problem, validates its options and data") {
  // Two classes in 2-D: label = (x0 + x1 > 0).
  using Net = ds::Sequential<ds::Input<ds::Shape<2>>, ds::Dense<8>, ds::StReLU<>, ds::Dense<2>>;
  ds::Dataset d;
  ds::Rng rng(9);
  d.images.resize(2, 400);
  d.channels = 2;
  d.height = d.width = 1;
  d.num_classes = 2;
  for (int j = 0; j < 400; ++j) {
    d.images(0, j) = rng.uniform(-1, 1);
    d.images(1, j) = rng.uniform(-1, 1);
    d.labels.push_back(d.images(0, j) + d.images(1, j) > 0 ? 1 : 0);
  }
  Net net;
  net.init(3);
  ds::TrainOptions opt;
  opt.epochs = 30;
  opt.batch_size = 32;
  int calls = 0;
  opt.on_epoch = [&](const ds::EpochReport& r) {
    ++calls;
    CHECK(r.epoch == calls);
    CHECK(r.epochs == 30);
  };
  const auto history = ds::train(net, d, ds::Adam{1e-2f}, opt);
  CHECK(calls == 30);
  REQUIRE(history.size() == 30);
  CHECK(history.back().loss < 0.5 * history.front().loss);
  CHECK(ds::evaluate(net, d).accuracy >= 0.95);

  opt.epochs = 0;
  CHECK_THROWS_WITH_AS(ds::train(net, d, ds::Adam{}, opt), doctest::Contains("epochs = 0"), ds::ConfigError);
  opt.epochs = 1;
  opt.batch_size = 0;
  CHECK_THROWS_AS(ds::train(net, d, ds::Adam{}, opt), ds::ConfigError);
  opt.batch_size = 8;
  ds::Dataset wrong = d;
  wrong.labels[5] = 2;
  CHECK_THROWS_WITH_AS(ds::train(net, wrong, ds::Adam{}, opt), doctest::Contains("labels[5] = 2"), ds::ConfigError);
  ds::Dataset wrong_shape = d;
  wrong_shape.images = ds::Matrix::Zero(3, 400);
  wrong_shape.channels = 3;
  CHECK_THROWS_AS(ds::train(net, wrong_shape, ds::Adam{}, opt), ds::ShapeError);
  net.get<0>().bias(3) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH_AS(ds::train(net, d, ds::Adam{}, opt), doctest::Contains("0.bias[3] = inf"), ds::ConfigError);
}
