// Regression tests for bad input found by adversarial testing: each must give a typed
// dualspike error naming the field, never a crash, an out-of-bounds read or a silent
// wrong answer.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

namespace ds = dualspike;

namespace {
using Small = ds::Sequential<ds::Input<ds::Shape<3>>, ds::Dense<4>, ds::StReLU<>, ds::Dense<2>>;

ds::Dataset small_data(std::size_t n) {
  ds::Dataset d;
  d.images = ds::Matrix::Constant(3, static_cast<Eigen::Index>(n), 0.5f);
  for (std::size_t i = 0; i < n; ++i) d.labels.push_back(static_cast<std::int32_t>(i % 2));
  d.channels = 3;
  d.height = d.width = 1;
  d.num_classes = 2;
  return d;
}

std::vector<std::uint8_t> be32(std::vector<std::uint32_t> words) {
  std::vector<std::uint8_t> out;
  for (auto w : words)
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(w >> s));
  return out;
}
}  // namespace

TEST_CASE("IDX: an empty set of gigantic images is refused, not turned into a negative Eigen size") {
  auto images = be32({0x00000803u, 0u, 0xFFFFFFFFu, 0xFFFFFFFFu});
  auto labels = be32({0x00000801u, 0u});
  const auto img = ds::parse_idx(images, "img");
  const auto lab = ds::parse_idx(labels, "lab");
  CHECK_THROWS_WITH_AS((void)ds::make_dataset(img, lab), doctest::Contains("above the limit"), ds::FormatError);
  images = be32({0x00000803u, 0u, 65536u, 65536u});
  CHECK_THROWS_AS((void)ds::make_dataset(ds::parse_idx(images, "img"), lab), ds::FormatError);
}

TEST_CASE("read_idx refuses devices and other non-regular files before reading") {
  CHECK_THROWS_WITH_AS((void)ds::read_idx("/dev/zero"), doctest::Contains("not a regular file"), ds::IoError);
  CHECK_THROWS_AS((void)ds::read_idx("/dev/null"), ds::IoError);
}

TEST_CASE("Dataset::slice checks the shapes before reading") {
  ds::Dataset d = small_data(3);
  d.labels.resize(10);
  CHECK_THROWS_WITH_AS((void)d.slice(0, 10), doctest::Contains("3 columns but there are 10 labels"), ds::ShapeError);
  ds::Dataset e = small_data(3);
  e.channels = 4;
  e.height = 3;
  e.width = std::numeric_limits<std::size_t>::max() / 3 + 1;  // 4*3*w wraps around
  CHECK_THROWS_WITH_AS(e.validate(), doctest::Contains("overflows"), ds::ShapeError);
}

TEST_CASE("Adam and SGD reused on a network of another layout start afresh instead of corrupting memory") {
  using Other = ds::Sequential<ds::Input<ds::Shape<4>>, ds::Dense<5>, ds::StReLU<>, ds::Dense<3>>;
  Other o;
  o.init(1);
  Other og = o;
  ds::Adam adam{1e-3f};
  adam.step(o.parameters(), og.parameters(), 1e-3f);
  CHECK(adam.state.t == 1);
  Small net;
  net.init(2);
  Small g = net;
  adam.step(net.parameters(), g.parameters(), 1e-3f);  // same tensor count (4), other sizes
  CHECK(adam.state.t == 1);
  CHECK(static_cast<std::size_t>(adam.state.m[0].size()) == net.parameters()[0].values.size());
  ds::SGD sgd{0.1f, 0.9f};
  sgd.step(o.parameters(), og.parameters(), 0.1f);
  sgd.step(net.parameters(), g.parameters(), 0.1f);
  CHECK(static_cast<std::size_t>(sgd.momentum_buffer[0].size()) == net.parameters()[0].values.size());
}

TEST_CASE("Dense parameters of the wrong shape are a ShapeError in train, evaluate and to_snn") {
  Small net;
  net.init(1);
  net.get<0>().weight.resize(2, 2);
  CHECK_THROWS_WITH_AS((void)ds::evaluate(net, small_data(4)), doctest::Contains("0.weight is 2x2, expected 4x3"),
                       ds::ShapeError);
  CHECK_THROWS_AS((void)ds::to_snn(net), ds::ShapeError);
  ds::TrainOptions opt;
  CHECK_THROWS_AS(ds::train(net, small_data(4), ds::Adam{}, opt), ds::ShapeError);
  Small net2;
  net2.init(1);
  net2.get<2>().bias.resize(1);
  CHECK_THROWS_WITH_AS((void)ds::evaluate(net2, small_data(4)), doctest::Contains("2.bias has 1 entries"), ds::ShapeError);
}

TEST_CASE("a batch size larger than the data set trains on one batch per epoch (no wrap-around)") {
  Small net;
  net.init(1);
  const ds::Matrix before = net.get<0>().weight;
  ds::TrainOptions opt;
  opt.batch_size = std::numeric_limits<std::size_t>::max();
  const auto history = ds::train(net, small_data(5), ds::Adam{}, opt);
  CHECK(net.get<0>().weight != before);
  CHECK(history.front().loss > 0.0);
}

TEST_CASE("NaN/inf images are refused by train, evaluate and simulate") {
  Small net;
  net.init(1);
  ds::Dataset d = small_data(4);
  d.images(1, 2) = std::nanf("");
  CHECK_THROWS_WITH_AS((void)ds::evaluate(net, d), doctest::Contains("images(1, 2) = nan"), ds::ConfigError);
  ds::TrainOptions opt;
  CHECK_THROWS_AS(ds::train(net, d, ds::Adam{}, opt), ds::ConfigError);
  d.images(1, 2) = std::numeric_limits<float>::infinity();
  ds::SimulateOptions sim;
  CHECK_THROWS_AS((void)ds::simulate(ds::to_snn(net), d, sim), ds::ConfigError);
}

TEST_CASE("diverging training stops with an error naming the step, not a NaN network") {
  Small net;
  net.init(1);
  ds::TrainOptions opt;
  opt.epochs = 3;
  opt.schedule.kind = ds::LrSchedule::Kind::constant;
  CHECK_THROWS_WITH_AS(ds::train(net, small_data(8), ds::Adam{3e38f}, opt), doctest::Contains("training diverged"),
                       ds::Error);
}

TEST_CASE("data sets that cannot be scored are refused: more classes than outputs, empty") {
  Small net;
  net.init(1);
  ds::Dataset d = small_data(4);
  d.num_classes = 20;
  CHECK_THROWS_WITH_AS((void)ds::evaluate(net, d), doctest::Contains("num_classes = 20"), ds::ShapeError);
  const ds::Dataset empty = small_data(0);
  CHECK_THROWS_WITH_AS((void)ds::evaluate(net, empty), doctest::Contains("empty"), ds::ConfigError);
  ds::SimulateOptions sim;
  CHECK_THROWS_AS((void)ds::simulate(ds::to_snn(net), empty, sim), ds::ConfigError);
}

TEST_CASE("simulate bounds T; argmax treats NaN as the largest value (as torch.argmax)") {
  Small net;
  net.init(1);
  ds::SimulateOptions sim;
  sim.time_steps = std::numeric_limits<std::size_t>::max();
  CHECK_THROWS_WITH_AS((void)ds::simulate(ds::to_snn(net), small_data(2), sim), doctest::Contains("time_steps"),
                       ds::ConfigError);
  ds::Matrix scores(3, 2);
  scores << 1.0f, 1.0f, std::nanf(""), 2.0f, 0.0f, std::nanf("");
  std::vector<std::int32_t> out(2);
  ds::argmax_columns(scores, out);
  CHECK(out[0] == 1);
  CHECK(out[1] == 2);
}

TEST_CASE("Rng::below(0) and an unknown schedule kind are handled") {
  ds::Rng rng(1);
  CHECK(rng.below(0) == 0u);
  ds::LrSchedule s;
  s.kind = static_cast<ds::LrSchedule::Kind>(7);
  CHECK_THROWS_WITH_AS(s.validate(), doctest::Contains("kind = 7"), ds::ConfigError);
}

TEST_CASE("A conv network refuses a data set with the same feature count but another C x H x W") {
  using Net = ds::Sequential<ds::Input<ds::Shape<3, 8, 8>>, ds::Conv2d<2, 3>, ds::StReLU<>, ds::Flatten, ds::Dense<2>>;
  const Net net;
  ds::Dataset d;
  d.images = ds::Matrix::Zero(192, 2);
  d.labels = {0, 1};
  d.channels = 12;  // 12 x 4 x 4 = 192 = 3 x 8 x 8
  d.height = 4;
  d.width = 4;
  d.num_classes = 2;
  CHECK_THROWS_WITH_AS(ds::evaluate(net, d), doctest::Contains("12x4x4"), ds::ShapeError);
  d.channels = 3;
  d.height = 8;
  d.width = 8;
  CHECK(ds::evaluate(net, d).predictions.size() == 2);
  // A flat input still takes any image of the right size (1x28x28 MNIST into Shape<784>).
  ds::Dataset flat = d;
  using Flat = ds::Sequential<ds::Input<ds::Shape<192>>, ds::Dense<2>>;
  CHECK(ds::evaluate(Flat{}, flat).predictions.size() == 2);
}

TEST_CASE("a NaN/inf weight is named by its row and column, a bias by its index") {
  Small net;
  net.get<0>().weight(2, 1) = std::numeric_limits<float>::quiet_NaN();  // flat column-major index 6
  CHECK_THROWS_WITH_AS(net.validate(), "0.weight[2, 1] = nan, expected a finite value", ds::ConfigError);
  net.get<0>().weight(2, 1) = 0.0f;
  net.get<2>().weight(1, 3) = -std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH_AS(net.validate(), "2.weight[1, 3] = -inf, expected a finite value", ds::ConfigError);
  net.get<2>().weight(1, 3) = 0.0f;
  net.get<2>().bias[1] = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH_AS(net.validate(), "2.bias[1] = inf, expected a finite value", ds::ConfigError);
  ds::Conv2dLayer<ds::Shape<2, 4, 4>, 3, 3> conv;  // weight (2*3*3) x 3: row c*9 + ky*3 + kx, column o
  conv.weight(13, 2) = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS(conv.validate("conv."), "conv.weight[13, 2] = nan, expected a finite value", ds::ConfigError);
}
