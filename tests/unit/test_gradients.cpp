// Finite-difference gradient checks: every differentiable layer, the loss, a whole
// network; and stReLU's forward (eq. 7) and backward (eq. 9) on hand-picked values.
#include <cmath>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

#include "gradient_check.hpp"

namespace ds = dualspike;

TEST_CASE("stReLU forward clips to [-Vth, Vth] (eq. 7)") {
  ds::StReLULayer<ds::Shape<6>> relu;
  ds::Matrix x(6, 1), y;
  x << -3.0f, -1.0f, -0.25f, 0.0f, 0.75f, 2.0f;
  relu.forward(x, y);
  ds::Matrix expected(6, 1);
  expected << -1.0f, -1.0f, -0.25f, 0.0f, 0.75f, 1.0f;
  CHECK(y == expected);
  relu.set_v_threshold(0.5f);
  relu.forward(x, y);
  expected << -0.5f, -0.5f, -0.25f, 0.0f, 0.5f, 0.5f;
  CHECK(y == expected);
}

TEST_CASE("stReLU backward passes the gradient only strictly inside (-Vth, Vth) (eq. 9)") {
  ds::StReLULayer<ds::Shape<7>> relu, unused;
  ds::Matrix x(7, 1), y, dx;
  x << -2.0f, -1.0f, -0.999f, 0.0f, 0.5f, 1.0f, 1.5f;
  relu.forward(x, y);
  const ds::Matrix dy = ds::Matrix::Constant(7, 1, 3.0f);
  relu.backward(x, y, dy, &dx, unused);
  ds::Matrix expected(7, 1);
  expected << 0.0f, 0.0f, 3.0f, 3.0f, 3.0f, 0.0f, 0.0f;  // the bounds themselves get 0
  CHECK(dx == expected);
}

TEST_CASE("gradient check: Dense") {
  ds::Rng rng(3);
  ds::DenseLayer<5, 4> dense;
  dense.init(rng);
  gradcheck::check_layer(dense, gradcheck::random_matrix(5, 3, rng));
}

TEST_CASE("gradient check: stReLU away from its kinks") {
  ds::Rng rng(4);
  ds::StReLULayer<ds::Shape<6>> relu;
  ds::Matrix x = gradcheck::random_matrix(6, 4, rng) * 2.0f;  // in [-2, 2): both regimes
  for (Eigen::Index i = 0; i < x.size(); ++i)  // keep every entry >= 0.05 away from +-1
    if (std::abs(std::abs(x.data()[i]) - 1.0f) < 0.05f) x.data()[i] *= 0.8f;
  gradcheck::check_layer(relu, x);
}

TEST_CASE("gradient check: softmax cross-entropy") {
  ds::Rng rng(5);
  ds::Matrix logits = gradcheck::random_matrix(4, 3, rng) * 3.0f;
  const std::vector<std::int32_t> labels = {2, 0, 3};
  ds::Matrix grad;
  const double loss = ds::softmax_cross_entropy(logits, labels, grad);
  // Hand check of the value for column 0: -log softmax(logits[:,0])[2], averaged.
  double expected = 0.0;
  for (int j = 0; j < 3; ++j) {
    double z = 0.0;
    for (int i = 0; i < 4; ++i) z += std::exp(static_cast<double>(logits(i, j)));
    expected += std::log(z) - logits(labels[static_cast<std::size_t>(j)], j);
  }
  CHECK(loss == doctest::Approx(expected / 3.0).epsilon(1e-5));
  ds::Matrix scratch;
  gradcheck::compare({logits.data(), static_cast<std::size_t>(logits.size())},
                     {grad.data(), static_cast<std::size_t>(grad.size())},
                     [&] { return ds::softmax_cross_entropy(logits, labels, scratch); }, "dlogits", 1e-2f, 1e-3);
  const std::vector<std::int32_t> bad = {2, 0, 4};
  CHECK_THROWS_WITH_AS(ds::softmax_cross_entropy(logits, bad, grad), doctest::Contains("labels[2] = 4"), ds::ConfigError);
  const std::vector<std::int32_t> short_labels = {1};
  CHECK_THROWS_AS(ds::softmax_cross_entropy(logits, short_labels, grad), ds::ShapeError);
}

TEST_CASE("softmax cross-entropy with label smoothing: value by hand, finite differences, limits, errors") {
  ds::Rng rng(6);
  const ds::Matrix logits = gradcheck::random_matrix(5, 3, rng) * 3.0f;
  const std::vector<std::int32_t> labels = {4, 1, 0};
  constexpr float eps = 0.2f;
  ds::Matrix grad;
  const double loss = ds::softmax_cross_entropy(logits, labels, grad, eps);
  // -sum_k q_k log softmax_k with q = 0.8 onehot + 0.2 / 5, averaged over the 3 columns.
  double expected = 0.0;
  for (int j = 0; j < 3; ++j) {
    double z = 0.0;
    for (int i = 0; i < 5; ++i) z += std::exp(static_cast<double>(logits(i, j)));
    for (int i = 0; i < 5; ++i) {
      const double q = (i == labels[static_cast<std::size_t>(j)] ? 0.8 : 0.0) + 0.2 / 5.0;
      expected -= q * (logits(i, j) - std::log(z));
    }
  }
  CHECK(loss == doctest::Approx(expected / 3.0).epsilon(1e-5));
  // The gradient of each column sums to 0 (softmax and q are both distributions).
  for (Eigen::Index j = 0; j < 3; ++j) CHECK(grad.col(j).sum() == doctest::Approx(0.0).epsilon(1e-6));
  ds::Matrix scratch, moving = logits;
  gradcheck::compare({moving.data(), static_cast<std::size_t>(moving.size())},
                     {grad.data(), static_cast<std::size_t>(grad.size())},
                     [&] { return ds::softmax_cross_entropy(moving, labels, scratch, eps); }, "dlogits", 1e-2f, 1e-3);
  // label_smoothing = 1: the target is uniform, so equal logits give loss log(5) and zero gradient.
  const ds::Matrix equal = ds::Matrix::Constant(5, 3, 0.7f);
  CHECK(ds::softmax_cross_entropy(equal, labels, grad, 1.0f) == doctest::Approx(std::log(5.0)).epsilon(1e-6));
  CHECK(grad.cwiseAbs().maxCoeff() < 1e-7f);
  CHECK_THROWS_WITH_AS(ds::softmax_cross_entropy(logits, labels, grad, 1.5f), doctest::Contains("label_smoothing = 1.5"),
                       ds::ConfigError);
  CHECK_THROWS_AS(ds::softmax_cross_entropy(logits, labels, grad, -0.1f), ds::ConfigError);
  ds::TrainOptions options;
  options.label_smoothing = std::nanf("");
  CHECK_THROWS_WITH_AS(options.validate(), doctest::Contains("TrainOptions.label_smoothing"), ds::ConfigError);
}

TEST_CASE("gradient check: whole network (Dense-stReLU-Dense-stReLU-Dense) with cross-entropy") {
  using Net = ds::Sequential<ds::Input<ds::Shape<5>>, ds::Dense<6>, ds::StReLU<>, ds::Dense<4>, ds::StReLU<>, ds::Dense<3>>;
  Net net;
  net.init(11);
  ds::Rng rng(12);
  const ds::Matrix x = gradcheck::random_matrix(5, 4, rng) * 2.0f;
  const std::vector<std::int32_t> labels = {0, 2, 1, 2};
  Net::Workspace ws;
  ds::Matrix dlogits, scratch;
  ds::softmax_cross_entropy(net.forward(x, ws), labels, dlogits);
  Net grads = net;
  net.backward(ws, dlogits, grads);
  auto objective = [&] { return ds::softmax_cross_entropy(net.predict(x), labels, scratch); };
  ds::ParameterList p = net.parameters(), g = grads.parameters();
  REQUIRE(p.size() == 6);
  CHECK(p[0].name == "0.weight");
  CHECK(p[5].name == "4.bias");
  // h small enough not to cross a clip boundary for this seed (checked by the agreement).
  for (std::size_t i = 0; i < p.size(); ++i) gradcheck::compare(p[i].values, g[i].values, objective, p[i].name, 2e-3f, 5e-3);
}
