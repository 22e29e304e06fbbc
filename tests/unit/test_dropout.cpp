// Dropout: identity at inference, masked and rescaled in training, gradient through the
// same mask, and it vanishes from the converted SNN.
#include <cmath>
#include <type_traits>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

#include "gradient_check.hpp"

namespace ds = dualspike;

TEST_CASE("Dropout: inference is the identity, training keeps ~(1-p) of the entries scaled by 1/(1-p)") {
  ds::DropoutLayer<ds::Shape<1000>, std::ratio<1, 4>> drop;
  CHECK(drop.probability() == 0.25f);
  const ds::Matrix x = ds::Matrix::Constant(1000, 4, 2.0f);
  ds::Matrix y, mask;
  drop.forward(x, y);
  CHECK(y == x);
  ds::Rng rng(5);
  drop.forward_train(x, y, mask, rng);
  const auto kept = (y.array() != 0.0f).count();
  CHECK(kept > 2800);  // expectation 3000 of 4000; 5 sigma ~ 137
  CHECK(kept < 3200);
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    const float v = y.data()[i];
    CHECK((v == 0.0f || std::abs(v - 2.0f / 0.75f) < 1e-6f));
  }
  // Backward uses the same mask: dx = dy .* mask.
  ds::Matrix dx;
  decltype(drop) unused;
  drop.backward(x, y, ds::Matrix::Ones(1000, 4), &dx, unused, mask);
  CHECK(dx == mask);
  CHECK_THROWS_WITH_AS(drop.set_probability(1.0f), doctest::Contains("Dropout.p = 1"), ds::ConfigError);
  CHECK_THROWS_AS(drop.set_probability(-0.1f), ds::ConfigError);
}

TEST_CASE("Dropout: finite-difference gradient of a network with a fixed mask (same random stream)") {
  using Net = ds::Sequential<ds::Input<ds::Shape<4>>, ds::Dense<5>, ds::StReLU<>, ds::Dropout<>, ds::Dense<3>>;
  Net net;
  net.init(2);
  ds::Rng data_rng(3);
  const ds::Matrix x = gradcheck::random_matrix(4, 3, data_rng);
  const std::vector<std::int32_t> labels = {0, 1, 2};
  Net::Workspace ws;
  ws.rng = ds::Rng(77);
  ds::Matrix dlogits, scratch;
  ds::softmax_cross_entropy(net.forward(x, ws), labels, dlogits);
  Net grads = net;
  net.backward(ws, dlogits, grads);
  // The objective replays the same mask by re-seeding the workspace's stream.
  auto objective = [&] {
    Net::Workspace w;
    w.rng = ds::Rng(77);
    return ds::softmax_cross_entropy(net.forward(x, w), labels, scratch);
  };
  ds::ParameterList p = net.parameters(), g = grads.parameters();
  REQUIRE(p.size() == 4);
  for (std::size_t i = 0; i < p.size(); ++i) gradcheck::compare(p[i].values, g[i].values, objective, p[i].name, 2e-3f, 5e-3);
}

TEST_CASE("Dropout vanishes in the SNN: Net1Dropout converts to the same SNN type as Net1") {
  static_assert(std::is_same_v<ds::snn_t<ds::nets::Net1Dropout>, ds::snn_t<ds::nets::Net1>>);
  using Snn = ds::snn_t<ds::nets::Net1>;
  static_assert(Snn::num_layers == 5);
  ds::nets::Net1Dropout with;
  with.init(1);
  const auto snn = ds::to_snn(with);
  CHECK(snn.get<0>().weight == with.get<1>().weight);
  CHECK(snn.get<4>().bias == with.get<7>().bias);
}

TEST_CASE("Net3Dropout and Net4Dropout convert to the SNN types of Net3 and Net4, weights unchanged") {
  static_assert(std::is_same_v<ds::snn_t<ds::nets::Net3Dropout>, ds::snn_t<ds::nets::Net3>>);
  static_assert(std::is_same_v<ds::snn_t<ds::nets::Net4Dropout>, ds::snn_t<ds::nets::Net4>>);
  ds::nets::Net3Dropout net3;
  net3.init(3);
  const auto snn3 = ds::to_snn(net3);
  CHECK(snn3.get<0>().weight == net3.get<1>().weight);
  CHECK(snn3.get<2>().bias == net3.get<4>().bias);
  ds::nets::Net4Dropout net4;
  net4.init(4);
  const auto snn4 = ds::to_snn(net4);
  constexpr std::size_t last_ann = ds::nets::Net4Dropout::num_layers - 1;
  constexpr std::size_t last_snn = ds::snn_t<ds::nets::Net4>::num_layers - 1;
  CHECK(snn4.get<last_snn>().weight == net4.get<last_ann>().weight);
  CHECK(snn4.get<last_snn>().bias == net4.get<last_ann>().bias);
}
