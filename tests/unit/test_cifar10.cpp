// Tests for dualspike/data/cifar10.hpp (CIFAR-10 binary batches), case CIFAR-01.
#include <doctest/doctest.h>

#include <dualspike/activations/threshold.hpp>
#include <dualspike/convert/to_snn.hpp>
#include <dualspike/data/cifar10.hpp>
#include <dualspike/layers/dense.hpp>
#include <dualspike/network/evaluate.hpp>
#include <dualspike/network/sequential.hpp>
#include <dualspike/snn/simulate.hpp>
#include <dualspike/train/optimizer.hpp>
#include <dualspike/train/trainer.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <fstream>
#include <string>
#include <vector>

namespace ds = dualspike;
using Bytes = std::vector<std::uint8_t>;

namespace {

/// CIFAR-01: 2 records. rec0: label 3, R = 10 except R[0,0] = 200, G = 20, B = 30 except
/// B[31,31] = 255. rec1: label 9, pixel byte k = k mod 256.
Bytes cifar01() {
  Bytes b(2 * 3073);
  b[0] = 3;
  for (std::size_t k = 0; k < 3072; ++k) b[1 + k] = static_cast<std::uint8_t>(k < 1024 ? 10 : k < 2048 ? 20 : 30);
  b[1 + 0] = 200;
  b[1 + 2048 + 31 * 32 + 31] = 255;
  b[3073] = 9;
  for (std::size_t k = 0; k < 3072; ++k) b[3073 + 1 + k] = static_cast<std::uint8_t>(k % 256);
  return b;
}

/// Pixel (c, y, x) of sample j, back in 0..255.
int pixel(const ds::Dataset& d, std::size_t j, std::size_t c, std::size_t y, std::size_t x) {
  return static_cast<int>(d.images(static_cast<Eigen::Index>((c * 32 + y) * 32 + x), static_cast<Eigen::Index>(j)) *
                              255.0f +
                          0.5f);
}

std::string format_error(const Bytes& b) {
  try {
    (void)ds::parse_cifar10(b, "batch.bin");
  } catch (const ds::FormatError& e) {
    return e.what();
  }
  FAIL("expected a FormatError");
  return {};
}

void write_file(const std::filesystem::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  REQUIRE(out.good());
}

}  // namespace

TEST_CASE("CIFAR-01: two records parse to CHW images in [0, 1] with their labels") {
  const Bytes b = cifar01();
  REQUIRE(b.size() == 6146);
  const ds::Dataset d = ds::parse_cifar10(b, "batch.bin");
  CHECK(d.size() == 2);
  CHECK(d.labels == std::vector<std::int32_t>{3, 9});
  CHECK(d.channels == 3);
  CHECK(d.height == 32);
  CHECK(d.width == 32);
  CHECK(d.num_classes == 10);
  CHECK(d.images.rows() == 3072);
  d.validate();
  CHECK(pixel(d, 0, 0, 0, 0) == 200);
  CHECK(pixel(d, 0, 1, 5, 7) == 20);
  CHECK(pixel(d, 0, 2, 31, 31) == 255);
  CHECK(pixel(d, 0, 2, 31, 30) == 30);
  CHECK(d.images(0, 0) == 200.0f / 255.0f);
  CHECK(d.images(3071, 0) == 1.0f);
  // (c2, y1, x2) is byte 2*1024 + 32 + 2 = 2082 -> 34; reading the planes as HWC would give 104.
  CHECK(pixel(d, 1, 2, 1, 2) == 34);
  CHECK(pixel(d, 1, 2, 1, 2) != 104);
  bool all_equal = true;
  for (std::size_t k = 0; k < 3072; ++k)
    all_equal = all_equal && d.images(static_cast<Eigen::Index>(k), 1) == static_cast<float>(k % 256) / 255.0f;
  CHECK(all_equal);
}

TEST_CASE("CIFAR-01: truncated file (6145 bytes) is a FormatError: size not a multiple of 3073") {
  Bytes b = cifar01();
  b.pop_back();
  const std::string msg = format_error(b);
  CHECK(msg.find("batch.bin") != std::string::npos);
  CHECK(msg.find("6145 bytes, not a positive multiple of the 3073-byte record") != std::string::npos);
  CHECK(msg.find("3072 bytes left over") != std::string::npos);
  // Every other size that is not a whole number of records, and the empty file.
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{3072}, std::size_t{3074}, std::size_t{6147}}) {
    Bytes c = cifar01();
    c.resize(n);
    CHECK_THROWS_AS((void)ds::parse_cifar10(c, "batch.bin"), ds::FormatError);
  }
}

TEST_CASE("CIFAR-01: label byte 10 is a FormatError naming the record and the value") {
  Bytes b = cifar01();
  b[3073] = 10;
  const std::string msg = format_error(b);
  CHECK(msg.find("record 1 (byte offset 3073): label = 10, expected 0..9") != std::string::npos);
  b[3073] = 255;
  CHECK(format_error(b).find("label = 255") != std::string::npos);
}

TEST_CASE("CIFAR-10: files and directories") {
  const auto dir = std::filesystem::temp_directory_path() / "dualspike_test_cifar10";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Bytes test = cifar01();
  write_file(dir / "test_batch.bin", test);
  const ds::Dataset t = ds::load_cifar10_split(dir, ds::Split::test);
  CHECK(t.size() == 2);
  CHECK(pixel(t, 1, 2, 1, 2) == 34);
  // The train split needs all five batches.
  CHECK_THROWS_AS((void)ds::load_cifar10_split(dir, ds::Split::train), ds::IoError);
  for (int i = 1; i <= 5; ++i) {
    Bytes b = cifar01();
    b[0] = static_cast<std::uint8_t>(i);  // label of the first record tells the batch
    write_file(dir / ("data_batch_" + std::to_string(i) + ".bin"), b);
  }
  const ds::Dataset tr = ds::load_cifar10_split(dir, ds::Split::train);
  CHECK(tr.size() == 10);
  CHECK(tr.labels == std::vector<std::int32_t>{1, 9, 2, 9, 3, 9, 4, 9, 5, 9});
  CHECK(pixel(tr, 9, 2, 1, 2) == 34);
  CHECK(pixel(tr, 8, 0, 0, 0) == 200);
  tr.validate();
  // A directory where a file is expected, a missing directory, a truncated batch.
  CHECK_THROWS_AS((void)ds::read_cifar10_batch(dir), ds::IoError);
  CHECK_THROWS_AS((void)ds::load_cifar10_split(dir / "nope", ds::Split::test), ds::IoError);
  test.resize(5000);
  write_file(dir / "test_batch.bin", test);
  CHECK_THROWS_AS((void)ds::load_cifar10_split(dir, ds::Split::test), ds::FormatError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("CIFAR-10: real files, when present in data/cifar10, are 30,730,000 bytes of 10,000 records") {
  const std::filesystem::path dir = std::filesystem::path(DUALSPIKE_DATA_DIR) / "cifar10";
  std::error_code ec;
  if (!std::filesystem::exists(dir / "test_batch.bin", ec)) {
    MESSAGE("skipped: no CIFAR-10 binary batches in " << dir.string());
    return;
  }
  CHECK(std::filesystem::file_size(dir / "test_batch.bin") == 30730000);
  const ds::Dataset t = ds::load_cifar10_split(dir, ds::Split::test);
  CHECK(t.size() == 10000);
  t.validate();
}

// Validation audit (issue 5): CIFAR-10 data through the network API. Every bad value is
// refused at the call with ConfigError / ShapeError naming the field and the value.
TEST_CASE("validation: a CIFAR-10 set (3x32x32) is refused by an MNIST-sized network, naming both shapes") {
  using Mnist = ds::Sequential<ds::Input<ds::Shape<784>>, ds::Dense<8>, ds::StReLU<>, ds::Dense<10>>;
  const ds::Dataset d = ds::parse_cifar10(cifar01(), "batch.bin");
  Mnist net;
  const auto snn = ds::to_snn(net);
  ds::TrainOptions opt;
  const auto shapes = doctest::Contains("3x32x32 = 3072 features, the network's input is 784");
  CHECK_THROWS_WITH_AS((void)ds::evaluate(net, d), shapes, ds::ShapeError);
  CHECK_THROWS_WITH_AS(ds::train(net, d, ds::Adam{}, opt), shapes, ds::ShapeError);
  CHECK_THROWS_WITH_AS((void)ds::simulate(snn, d, ds::SimulateOptions{}), shapes, ds::ShapeError);
  CHECK_THROWS_WITH_AS((void)net.predict(d.images), doctest::Contains("3072 rows (features), expected 784"),
                       ds::ShapeError);
}

TEST_CASE("validation: thresholds, T, batch sizes and labels are checked at the call, naming field and value") {
  using Cifar = ds::Sequential<ds::Input<ds::Shape<3072>>, ds::Dense<8>, ds::StReLU<>, ds::Dense<10>>;
  Cifar net;
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  // Thresholds <= 0, NaN, inf: at the setter and at the IF neuron's construction.
  CHECK_THROWS_WITH_AS(net.get<1>().set_v_threshold(0.0f), doctest::Contains("StReLU.v_threshold = 0"), ds::ConfigError);
  CHECK_THROWS_WITH_AS(net.get<1>().set_v_threshold(-1.0f), doctest::Contains("StReLU.v_threshold = -1"),
                       ds::ConfigError);
  CHECK_THROWS_WITH_AS(net.get<1>().set_v_threshold(nan), doctest::Contains("StReLU.v_threshold = nan"),
                       ds::ConfigError);
  CHECK_THROWS_WITH_AS(net.get<1>().set_v_threshold(inf), doctest::Contains("StReLU.v_threshold = inf"),
                       ds::ConfigError);
  CHECK_THROWS_WITH_AS((void)ds::DualThresholdIF<ds::Shape<4>>{nan}, doctest::Contains("v_threshold = nan"),
                       ds::ConfigError);
  CHECK_THROWS_WITH_AS((void)ds::DualThresholdIF<ds::Shape<4>>{-inf}, doctest::Contains("v_threshold = -inf"),
                       ds::ConfigError);
  CHECK(net.get<1>().v_threshold() == 1.0f);  // unchanged by the refused calls

  const ds::Dataset d = ds::parse_cifar10(cifar01(), "batch.bin");
  const auto snn = ds::to_snn(net);
  ds::SimulateOptions sim;
  sim.time_steps = 0;
  CHECK_THROWS_WITH_AS((void)ds::simulate(snn, d, sim), doctest::Contains("SimulateOptions.time_steps = 0"),
                       ds::ConfigError);
  sim.time_steps = 4;
  sim.batch_size = 0;
  CHECK_THROWS_WITH_AS((void)ds::simulate(snn, d, sim), doctest::Contains("SimulateOptions.batch_size = 0"),
                       ds::ConfigError);
  CHECK_THROWS_WITH_AS((void)ds::evaluate(net, d, 0), doctest::Contains("batch_size = 0"), ds::ConfigError);
  ds::TrainOptions opt;
  opt.batch_size = 0;
  CHECK_THROWS_WITH_AS(ds::train(net, d, ds::Adam{}, opt), doctest::Contains("TrainOptions.batch_size = 0"),
                       ds::ConfigError);
  opt.batch_size = 2;
  opt.epochs = 0;
  CHECK_THROWS_WITH_AS(ds::train(net, d, ds::Adam{}, opt), doctest::Contains("TrainOptions.epochs = 0"),
                       ds::ConfigError);

  // Labels outside [0, num_classes), however the data set was built.
  for (const std::int32_t bad : {10, -1}) {
    ds::Dataset b = d;
    b.labels[1] = bad;
    const std::string text = "labels[1] = " + std::to_string(bad) + " is outside [0, 10)";
    const auto msg = doctest::Contains(doctest::String(text.c_str()));
    CHECK_THROWS_WITH_AS((void)ds::evaluate(net, b), msg, ds::ConfigError);
    CHECK_THROWS_WITH_AS((void)ds::simulate(snn, b, ds::SimulateOptions{}), msg, ds::ConfigError);
    opt.epochs = 1;
    CHECK_THROWS_WITH_AS(ds::train(net, b, ds::Adam{}, opt), msg, ds::ConfigError);
  }
}
