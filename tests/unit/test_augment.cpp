// Data augmentation and normalization (data/augment.hpp) on hand-checkable tiny images.
#include <cstddef>
#include <set>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

namespace ds = dualspike;

namespace {
// One 1 x 3 x 3 image with pixel (y, x) = 10*y + x + 1:
//   1  2  3
//  11 12 13
//  21 22 23
const std::vector<float> kImage{1, 2, 3, 11, 12, 13, 21, 22, 23};

std::vector<float> apply(const ds::Augment& a, const ds::AugmentDraw& d, const std::vector<float>& src = kImage) {
  std::vector<float> out(src.size(), -1.0f);
  a.apply(src, out, d);
  return out;
}

ds::AugmentOptions only(std::size_t pad, bool flip, std::size_t cutout, std::vector<float> fill = {}) {
  ds::AugmentOptions o;
  o.pad = pad;
  o.flip = flip;
  o.cutout = cutout;
  o.fill = std::move(fill);
  return o;
}
}  // namespace

TEST_CASE("Augment::apply: crop from the padded image, flip, cutout - pixel by pixel") {
  const ds::Augment crop(1, 3, 3, only(1, false, 0, {-5.0f}));
  // dy = dx = 1 (= pad): no shift.
  CHECK(apply(crop, {1, 1, false, 0, 0}) == kImage);
  // dy = dx = 0: the window starts one pixel above and left of the image: fill on top and left.
  CHECK(apply(crop, {0, 0, false, 0, 0}) == std::vector<float>{-5, -5, -5, -5, 1, 2, -5, 11, 12});
  // dy = 2, dx = 1: shifted up by one row, the bottom row is padding.
  CHECK(apply(crop, {2, 1, false, 0, 0}) == std::vector<float>{11, 12, 13, 21, 22, 23, -5, -5, -5});

  const ds::Augment flip(1, 3, 3, only(0, true, 0));
  CHECK(apply(flip, {0, 0, true, 0, 0}) == std::vector<float>{3, 2, 1, 13, 12, 11, 23, 22, 21});
  CHECK(apply(flip, {0, 0, false, 0, 0}) == kImage);
  // Crop then flip: the flipped image of the shifted window.
  const ds::Augment both(1, 3, 3, only(1, true, 0));
  CHECK(apply(both, {1, 2, true, 0, 0}) == std::vector<float>{0, 3, 2, 0, 13, 12, 0, 23, 22});

  // Cutout of side 2 centred at (1, 1): rows/cols 0..1 -> 0; centred at (2, 0): clipped.
  const ds::Augment cut(1, 3, 3, only(0, false, 2));
  CHECK(apply(cut, {0, 0, false, 1, 1}) == std::vector<float>{0, 0, 3, 0, 0, 13, 21, 22, 23});
  CHECK(apply(cut, {0, 0, false, 2, 0}) == std::vector<float>{1, 2, 3, 0, 12, 13, 0, 22, 23});
  // Side 3 at (0, 2): rows -1..1, cols 1..3 clipped to rows 0..1, cols 1..2.
  const ds::Augment cut3(1, 3, 3, only(0, false, 3));
  CHECK(apply(cut3, {0, 0, false, 0, 2}) == std::vector<float>{1, 0, 0, 11, 0, 0, 21, 22, 23});

  // Two channels: each keeps its plane and takes its own fill.
  const ds::Augment two(2, 1, 2, only(1, false, 0, {7.0f, 8.0f}));
  std::vector<float> src{1, 2, 3, 4}, out(4);
  two.apply(src, out, {1, 0, false, 0, 0});  // shifted right by one
  CHECK(out == std::vector<float>{7, 1, 8, 3});
}

TEST_CASE("Augment on a batch: seeded and reproducible, every crop offset and both flips occur, flip p ~ 0.5") {
  const ds::Augment a(1, 3, 3, only(1, true, 0));
  ds::Matrix batch(9, 2000);
  for (Eigen::Index j = 0; j < batch.cols(); ++j)
    for (Eigen::Index i = 0; i < 9; ++i) batch(i, j) = kImage[static_cast<std::size_t>(i)];
  ds::Matrix b1 = batch, b2 = batch, b3 = batch;
  ds::Rng r1(5), r2(5), r3(6);
  a(b1, r1);
  a(b2, r2);
  a(b3, r3);
  CHECK(b1 == b2);
  CHECK_FALSE(b1 == b3);
  // Each column is exactly one of the 9 x 2 possible outcomes; all 18 occur.
  std::set<std::vector<float>> outcomes;
  for (std::size_t dy = 0; dy < 3; ++dy)
    for (std::size_t dx = 0; dx < 3; ++dx)
      for (bool f : {false, true}) outcomes.insert(apply(a, {dy, dx, f, 0, 0}));
  REQUIRE(outcomes.size() == 18);
  std::set<std::vector<float>> seen;
  int flipped = 0;
  for (Eigen::Index j = 0; j < b1.cols(); ++j) {
    const std::vector<float> col(b1.col(j).data(), b1.col(j).data() + 9);
    CHECK(outcomes.count(col) == 1);
    seen.insert(col);
  }
  CHECK(seen.size() == 18);
  ds::Rng r4(9);
  for (int i = 0; i < 2000; ++i) flipped += a.draw(r4).flip;
  CHECK(flipped > 900);  // binomial(2000, 0.5): mean 1000, sd 22
  CHECK(flipped < 1100);
  // A batch of the wrong height is refused.
  ds::Matrix wrong(8, 1);
  CHECK_THROWS_WITH_AS(a(wrong, r1), doctest::Contains("expected C*H*W = 9"), ds::ShapeError);
}

TEST_CASE("normalize_channels and the CIFAR-10 options: (v - mean) / std per channel; bad values refused") {
  ds::Dataset d;
  d.channels = 2;
  d.height = 1;
  d.width = 2;
  d.images.resize(4, 1);
  d.images << 0.5f, 1.0f, 0.0f, 0.25f;
  d.labels = {0};
  const std::vector<float> mean{0.5f, 0.25f}, sd{0.5f, 0.25f};
  ds::normalize_channels(d, mean, sd);
  CHECK(d.images(0, 0) == 0.0f);
  CHECK(d.images(1, 0) == 1.0f);
  CHECK(d.images(2, 0) == -1.0f);
  CHECK(d.images(3, 0) == 0.0f);
  const std::vector<float> zero{0.5f, 0.0f};
  CHECK_THROWS_WITH_AS(ds::normalize_channels(d, mean, zero), doctest::Contains("channel 1"), ds::ConfigError);
  CHECK_THROWS_WITH_AS(ds::normalize_channels(d, std::vector<float>{0.5f}, sd), doctest::Contains("1 means"),
                       ds::ConfigError);
  // The CIFAR-10 padding value is what a black pixel becomes after normalization.
  const ds::AugmentOptions o = ds::AugmentOptions::cifar10();
  CHECK(o.pad == 4);
  CHECK(o.flip);
  CHECK(o.cutout == 16);
  REQUIRE(o.fill.size() == 3);
  CHECK(o.fill[0] == doctest::Approx((0.0f - 0.4914f) / 0.2470f));
  CHECK_THROWS_WITH_AS(ds::Augment(3, 32, 32, only(4, true, 0, {1.0f})), doctest::Contains("fill has 1 values"),
                       ds::ConfigError);
}

TEST_CASE("Augment as TrainOptions::transform: changes the batches of training, reproducibly, not evaluation") {
  using Net = ds::Sequential<ds::Input<ds::Shape<1, 3, 3>>, ds::Flatten, ds::Dense<2>>;
  ds::Dataset d;
  d.channels = 1;
  d.height = 3;
  d.width = 3;
  d.num_classes = 2;
  d.images.resize(9, 16);
  ds::Rng rng(1);
  for (Eigen::Index i = 0; i < d.images.size(); ++i) d.images.data()[i] = rng.uniform(0.0f, 1.0f);
  for (int j = 0; j < 16; ++j) d.labels.push_back(j % 2);
  ds::TrainOptions opt;
  opt.batch_size = 4;
  opt.epochs = 2;
  Net plain, aug1, aug2;
  ds::train(plain, d, ds::Adam{1e-2f}, opt);
  opt.transform = ds::Augment(1, 3, 3, only(1, true, 2));
  ds::train(aug1, d, ds::Adam{1e-2f}, opt);
  ds::train(aug2, d, ds::Adam{1e-2f}, opt);
  CHECK(aug1.get<1>().weight == aug2.get<1>().weight);
  CHECK_FALSE(aug1.get<1>().weight == plain.get<1>().weight);
  // evaluate() sees the data as it is: same result as the network's own forward pass.
  const ds::Evaluation e = ds::evaluate(aug1, d);
  std::vector<std::int32_t> expected;
  const ds::Matrix logits = aug1.predict(d.images);
  for (Eigen::Index j = 0; j < logits.cols(); ++j) {
    Eigen::Index k;
    logits.col(j).maxCoeff(&k);
    expected.push_back(static_cast<std::int32_t>(k));
  }
  CHECK(e.predictions == expected);
}
