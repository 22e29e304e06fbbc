// Integration test on the real CIFAR-10 (installed by scripts/setup.sh into data/cifar10):
// the loader reads the binary batches the set-up converts, with the split sizes, class
// counts, first labels and per-channel statistics of the official data set.
#include <array>
#include <cmath>
#include <cstddef>
#include <filesystem>

#include <doctest/doctest.h>
#include <dualspike/data/cifar10.hpp>

namespace ds = dualspike;

TEST_CASE("CIFAR-10 real data: 50,000 + 10,000 images, balanced classes, official labels and channel statistics") {
  const std::filesystem::path dir = std::filesystem::path(DUALSPIKE_DATA_DIR) / "cifar10";
  std::error_code ec;
  if (!std::filesystem::exists(dir / "data_batch_5.bin", ec) || !std::filesystem::exists(dir / "test_batch.bin", ec)) {
    MESSAGE("SKIPPED: CIFAR-10 not found in " << dir.string() << " - run scripts/setup.sh first");
    return;
  }
  const ds::Dataset train_set = ds::load_cifar10_split(dir, ds::Split::train);
  const ds::Dataset test_set = ds::load_cifar10_split(dir, ds::Split::test);
  REQUIRE(train_set.size() == 50000);
  REQUIRE(test_set.size() == 10000);
  CHECK(train_set.channels == 3);
  CHECK(train_set.height == 32);
  CHECK(train_set.width == 32);

  std::array<int, 10> train_count{}, test_count{};
  for (const auto l : train_set.labels) ++train_count.at(static_cast<std::size_t>(l));
  for (const auto l : test_set.labels) ++test_count.at(static_cast<std::size_t>(l));
  for (std::size_t c = 0; c < 10; ++c) {
    CHECK(train_count[c] == 5000);
    CHECK(test_count[c] == 1000);
  }
  // The official order: test starts cat, ship, ship, airplane, frog; data_batch_1 starts
  // frog, truck, truck, deer, automobile.
  const std::array<int, 5> test_first{3, 8, 8, 0, 6}, train_first{6, 9, 9, 4, 1};
  for (std::size_t j = 0; j < 5; ++j) {
    CHECK(test_set.labels[j] == test_first[j]);
    CHECK(train_set.labels[j] == train_first[j]);
  }
  // Per-channel mean / standard deviation of the training pixels (in [0, 1]): the values
  // every CIFAR-10 pipeline normalizes with (0.4914, 0.4822, 0.4465) / (0.2470, 0.2435, 0.2616).
  // A wrong plane order or an interleaved layout swaps or mixes them.
  const std::array<double, 3> mean_ref{0.49140, 0.48216, 0.44653}, std_ref{0.24703, 0.24349, 0.26159};
  for (Eigen::Index c = 0; c < 3; ++c) {
    const auto plane = train_set.images.middleRows(c * 1024, 1024).cast<double>();
    const double mean = plane.mean();
    const double var = (plane.array() - mean).square().mean();
    CHECK(mean == doctest::Approx(mean_ref[static_cast<std::size_t>(c)]).epsilon(1e-4));
    CHECK(std::sqrt(var) == doctest::Approx(std_ref[static_cast<std::size_t>(c)]).epsilon(1e-4));
  }
  // First test image, pixel (0, 0): R = 158, G = 112 (one byte each).
  CHECK(test_set.images(0, 0) * 255.0f == doctest::Approx(158.0f));
  CHECK(test_set.images(1024, 0) * 255.0f == doctest::Approx(112.0f));
}
