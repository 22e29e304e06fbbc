// Tests for dualspike/io/safetensors.hpp (weights in/out, PyTorch state_dict names).
#include <doctest/doctest.h>

#include <dualspike/activations/threshold.hpp>
#include <dualspike/io/safetensors.hpp>
#include <dualspike/layers/avg_pool2d.hpp>
#include <dualspike/layers/batch_norm.hpp>
#include <dualspike/layers/conv2d.hpp>
#include <dualspike/layers/dense.hpp>
#include <dualspike/layers/flatten.hpp>
#include <dualspike/layers/dropout.hpp>
#include <dualspike/network/sequential.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace ds = dualspike;
using Bytes = std::vector<std::byte>;

namespace {

Bytes bytes_of(const std::string& s) {
  Bytes b;
  for (char c : s) b.push_back(static_cast<std::byte>(c));
  return b;
}

void append_u64(Bytes& b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
}

void append_f32(Bytes& b, float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::byte>((u >> (8 * i)) & 0xFF));
}

/// A file with the given header text (length prefix = its size) and data.
Bytes make_file(const std::string& header, const std::vector<float>& data) {
  Bytes b;
  append_u64(b, header.size());
  const Bytes h = bytes_of(header);
  b.insert(b.end(), h.begin(), h.end());
  for (float f : data) append_f32(b, f);
  return b;
}

const std::string kValidHeader = R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";

/// ST-01's valid file: 81 bytes, w = [[1, 2], [3, 4]].
Bytes st01_valid() { return make_file(kValidHeader, {1.0f, 2.0f, 3.0f, 4.0f}); }

ds::SafetensorsFile parse(const Bytes& b) { return ds::parse_safetensors(b, "st01.safetensors"); }

std::string format_error_message(const Bytes& b) {
  try {
    (void)parse(b);
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

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("dualspike_test_st_" + name);
}

using Tiny = ds::Sequential<ds::Input<ds::Shape<3>>, ds::Dense<2>, ds::StReLU<>, ds::Dense<2>>;
// Net1 of the paper (networks.hpp) and the same with dropout layers.
using Net1 = ds::Sequential<ds::Input<ds::Shape<784>>, ds::Dense<1200>, ds::StReLU<>, ds::Dense<1200>, ds::StReLU<>,
                            ds::Dense<10>>;
using Net1Dropout = ds::Sequential<ds::Input<ds::Shape<784>>, ds::Dropout<>, ds::Dense<1200>, ds::StReLU<>,
                                   ds::Dense<1200>, ds::StReLU<>, ds::Dense<10>>;

}  // namespace

TEST_CASE("ST-01: the valid 81-byte file parses to w = [[1, 2], [3, 4]]") {
  const Bytes b = st01_valid();
  REQUIRE(b.size() == 81);
  CHECK(std::to_integer<int>(b[0]) == 0x39);
  const auto f = parse(b);
  REQUIRE(f.tensors.size() == 1);
  const auto& w = f.tensors.at("w");
  CHECK(w.dtype == "F32");
  CHECK(w.shape == std::vector<std::size_t>{2, 2});
  CHECK(w.values == std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f});
  CHECK(f.metadata.empty());
}

TEST_CASE("ST-01 a: length prefix FF..FF is a FormatError naming the header length") {
  Bytes b = st01_valid();
  for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = std::byte{0xFF};
  const std::string msg = format_error_message(b);
  CHECK(msg.find("st01.safetensors") != std::string::npos);
  CHECK(msg.find("header length = 18446744073709551615") != std::string::npos);
}

TEST_CASE("ST-01 b: length prefix 58 (header swallows a data byte) is a FormatError") {
  Bytes b = st01_valid();
  b[0] = std::byte{0x3A};
  const std::string msg = format_error_message(b);
  CHECK(msg.find("st01.safetensors") != std::string::npos);
  CHECK(msg.find("header has a NUL byte at offset 57") != std::string::npos);
}

TEST_CASE("ST-01 c: the file without its last byte is a FormatError naming the tensor") {
  Bytes b = st01_valid();
  b.pop_back();
  const std::string msg = format_error_message(b);
  CHECK(msg.find("tensor 'w'") != std::string::npos);
  CHECK(msg.find("data_offsets end = 16") != std::string::npos);
  CHECK(msg.find("15 bytes") != std::string::npos);
}

TEST_CASE("ST-01 d: 1000x1000 declared, 4 bytes present: FormatError, nothing allocated from the shape") {
  const Bytes b = make_file(R"({"t":{"dtype":"F32","shape":[1000,1000],"data_offsets":[0,4]}})", {1.0f});
  const std::string msg = format_error_message(b);
  CHECK(msg.find("tensor 't'") != std::string::npos);
  CHECK(msg.find("needs 4000000 bytes") != std::string::npos);
  CHECK(msg.find("hold 4") != std::string::npos);
}

TEST_CASE("ST-01 e: data_offsets [16, 0] is a FormatError naming the field") {
  const Bytes b = make_file(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[16,0]}})", {1, 2, 3, 4});
  const std::string msg = format_error_message(b);
  CHECK(msg.find("tensor 'w'") != std::string::npos);
  CHECK(msg.find("data_offsets = [16, 0]") != std::string::npos);
}

TEST_CASE("ST-01 f: dtype F16 for an F32 parameter is an error") {
  // Same 16 bytes, F16 [2, 2] needs 8: the parser refuses the size.
  const Bytes b = make_file(R"({"w":{"dtype":"F16","shape":[2,2],"data_offsets":[0,16]}})", {1, 2, 3, 4});
  CHECK(format_error_message(b).find("F16 needs 8 bytes") != std::string::npos);
  // A consistent F16 file parses (no values decoded) but does not load into an F32 network.
  const Bytes f16 = make_file(R"({"0.weight":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]}})", {0, 0, 0});
  const auto f = parse(f16);
  CHECK(f.tensors.at("0.weight").dtype == "F16");
  CHECK(f.tensors.at("0.weight").values.empty());
  const auto path = temp_path("f16.safetensors");
  write_file(path, f16);
  Tiny net;
  const auto before = net.get<0>().weight;
  try {
    ds::load_safetensors(net, path);
    FAIL("expected a FormatError");
  } catch (const ds::FormatError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("tensor '0.weight'") != std::string::npos);
    CHECK(msg.find("dtype F16, expected F32") != std::string::npos);
  }
  CHECK(net.get<0>().weight == before);
  std::filesystem::remove(path);
}

TEST_CASE("ST-01 g: a 5-byte file is a FormatError") {
  const Bytes b = st01_valid();
  CHECK(format_error_message(Bytes(b.begin(), b.begin() + 5)).find("5 bytes, expected at least 8") != std::string::npos);
  CHECK_THROWS_AS(parse(Bytes{}), ds::FormatError);
}

TEST_CASE("safetensors: every truncation of a valid file is a FormatError") {
  const Bytes b = st01_valid();
  for (std::size_t n = 0; n < b.size(); ++n) CHECK_THROWS_AS(parse(Bytes(b.begin(), b.begin() + n)), ds::FormatError);
  // ... and so is a trailing byte.
  Bytes longer = b;
  longer.push_back(std::byte{0});
  CHECK(format_error_message(longer).find("trailing bytes") != std::string::npos);
}

TEST_CASE("safetensors: malformed headers are FormatErrors naming the field") {
  const auto msg = [](const std::string& header, std::size_t data_bytes = 16) {
    Bytes b = make_file(header, {});
    b.resize(b.size() + data_bytes);
    return format_error_message(b);
  };
  CHECK(msg("[1,2]").find("does not start with '{'") != std::string::npos);
  CHECK(msg("{\"w\":").find("not valid JSON") != std::string::npos);
  CHECK(msg(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})")
            .find("key 'w' twice") != std::string::npos);
  CHECK(msg(R"({"w":{"dtype":"F32","shape":[[[[2]]]],"data_offsets":[0,16]}})").find("deeper") != std::string::npos);
  CHECK(msg(R"({"w":3})").find("tensor 'w': entry is not a JSON object") != std::string::npos);
  CHECK(msg(R"({"w":{"dtype":"F32","shape":[2,2]}})").find("'data_offsets' is missing") != std::string::npos);
  CHECK(msg(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16],"x":1}})").find("unknown field 'x'") !=
        std::string::npos);
  CHECK(msg(R"({"w":{"dtype":"X9","shape":[2,2],"data_offsets":[0,16]}})").find("unknown dtype 'X9'") !=
        std::string::npos);
  CHECK(msg(R"({"w":{"dtype":1,"shape":[2,2],"data_offsets":[0,16]}})").find("dtype = 1") != std::string::npos);
  CHECK(msg(R"({"w":{"dtype":"F32","shape":[2,-2],"data_offsets":[0,16]}})").find("shape[1] = -2") !=
        std::string::npos);
  CHECK(msg(R"({"w":{"dtype":"F32","shape":[2,2.5],"data_offsets":[0,16]}})").find("shape[1] = 2.5") !=
        std::string::npos);
  CHECK(msg(R"({"w":{"dtype":"F32","shape":"22","data_offsets":[0,16]}})").find("expected an array") !=
        std::string::npos);
  CHECK(msg(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0]}})").find("expected [begin, end]") !=
        std::string::npos);
  CHECK(msg(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,1e3]}})").find("data_offsets[1] = 1000.0") !=
        std::string::npos);
  // Element counts that overflow 64 bits.
  CHECK(msg(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,16]}})")
            .find("more than 2^64") != std::string::npos);
  CHECK(msg(R"({"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,16]}})")
            .find("more than 2^64") != std::string::npos);
  CHECK(msg(R"({"__metadata__":{"a":1}})", 0).find("__metadata__['a'] = 1") != std::string::npos);
  CHECK(msg(R"({"__metadata__":[]})", 0).find("__metadata__ is not a JSON object") != std::string::npos);
}

TEST_CASE("safetensors: the tensors must tile the data buffer (no holes, no overlaps)") {
  const auto b2 = [](const std::string& header) { return make_file(header, {1, 2, 3, 4}); };
  CHECK(format_error_message(
            b2(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})"))
            .find("overlaps") != std::string::npos);
  CHECK(format_error_message(
            b2(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})"))
            .find("hole") != std::string::npos);
  // Aliased tensors (same bytes) are an overlap too.
  CHECK(format_error_message(
            b2(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})"))
            .find("overlaps") != std::string::npos);
  // Empty tensors are fine anywhere.
  const auto ok = parse(
      b2(R"({"e":{"dtype":"F32","shape":[0,3],"data_offsets":[16,16]},"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"__metadata__":{"format":"pt"}})"));
  CHECK(ok.tensors.at("e").values.empty());
  CHECK(ok.metadata.at("format") == "pt");
}

TEST_CASE("safetensors: PyTorch [out, in] weights load transposed into Dense (weight(o, i) == w[o][i])") {
  // Tiny: 0 = Dense 3->2, 1 = StReLU, 2 = Dense 2->2. Row-major values as PyTorch writes them.
  const std::string header =
      R"({"0.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
      R"("0.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},)"
      R"("2.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[32,48]},)"
      R"("2.bias":{"dtype":"F32","shape":[2],"data_offsets":[48,56]},"__metadata__":{"format":"pt"}})";
  const Bytes b = make_file(header, {1, 2, 3, 4, 5, 6, 0.5f, -0.5f, 1, 2, 3, 4, 0.25f, -0.25f});
  const auto path = temp_path("tiny.safetensors");
  write_file(path, b);
  Tiny net;
  ds::load_safetensors(net, path);
  const auto& d0 = net.get<0>();
  CHECK(d0.weight(0, 0) == 1);
  CHECK(d0.weight(0, 1) == 2);
  CHECK(d0.weight(0, 2) == 3);
  CHECK(d0.weight(1, 0) == 4);
  CHECK(d0.weight(1, 2) == 6);
  CHECK(d0.bias(0) == 0.5f);
  CHECK(d0.bias(1) == -0.5f);
  CHECK(net.get<2>().weight(0, 1) == 2);
  CHECK(net.get<2>().weight(1, 0) == 3);
  CHECK(net.get<2>().bias(1) == -0.25f);

  // Saving writes the same bytes back (PyTorch shapes, row-major, same metadata).
  const auto out = temp_path("tiny_out.safetensors");
  ds::save_safetensors(net, out);
  const auto back = ds::read_safetensors(out);
  CHECK(back.tensors.at("0.weight").shape == std::vector<std::size_t>{2, 3});
  CHECK(back.tensors.at("0.weight").values == std::vector<float>{1, 2, 3, 4, 5, 6});
  CHECK(back.tensors.at("2.bias").values == std::vector<float>{0.25f, -0.25f});
  CHECK(back.metadata.at("format") == "pt");
  std::filesystem::remove(path);
  std::filesystem::remove(out);
}

TEST_CASE("safetensors: save/load round trip of Net1 is exact") {
  Net1 a;
  a.init(7);
  const auto path = temp_path("net1.safetensors");
  ds::save_safetensors(a, path);
  Net1 b;  // seed 0
  ds::load_safetensors(b, path);
  const auto pa = a.parameters();
  const auto pb = b.parameters();
  REQUIRE(pa.size() == pb.size());
  for (std::size_t k = 0; k < pa.size(); ++k) {
    CHECK(pa[k].name == pb[k].name);
    CHECK(std::equal(pa[k].values.begin(), pa[k].values.end(), pb[k].values.begin(), pb[k].values.end()));
  }
  // The file itself holds PyTorch's shapes.
  const auto f = ds::read_safetensors(path);
  CHECK(f.tensors.at("0.weight").shape == std::vector<std::size_t>{1200, 784});
  CHECK(f.tensors.at("4.weight").shape == std::vector<std::size_t>{10, 1200});
  CHECK(f.tensors.at("0.weight").values[1] == a.get<0>().weight(0, 1));
  // Dropout layers take no parameters, so Net1Dropout's names differ (layers shift).
  Net1Dropout d;
  CHECK_THROWS_AS(ds::load_safetensors(d, path), ds::ShapeError);
  std::filesystem::remove(path);
}

TEST_CASE("safetensors: missing, unexpected or wrongly shaped tensors are ShapeErrors naming the tensor") {
  const auto path = temp_path("shape.safetensors");
  const auto try_load = [&](const ds::SafetensorsFile& file) -> std::string {
    ds::write_safetensors(file, path);
    Tiny net;
    const auto before = net.get<0>().weight;
    try {
      ds::load_safetensors(net, path);
    } catch (const ds::ShapeError& e) {
      CHECK(net.get<0>().weight == before);  // all or nothing
      return e.what();
    }
    FAIL("expected a ShapeError");
    return {};
  };
  Tiny net;
  ds::save_safetensors(net, path);
  ds::SafetensorsFile good = ds::read_safetensors(path);

  auto missing = good;
  missing.tensors.erase("2.bias");
  CHECK(try_load(missing).find("tensor '2.bias' is missing") != std::string::npos);

  auto extra = good;
  extra.tensors["5.weight"] = {"F32", {1}, {1.0f}};
  CHECK(try_load(extra).find("unexpected tensor '5.weight'") != std::string::npos);

  auto transposed = good;
  transposed.tensors["0.weight"].shape = {3, 2};
  const std::string msg = try_load(transposed);
  CHECK(msg.find("tensor '0.weight' has shape [3, 2], expected [2, 3]") != std::string::npos);
  CHECK(msg.find(path.string()) != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("safetensors: NaN or inf weights are a ConfigError from validate, network unchanged") {
  const auto path = temp_path("nan.safetensors");
  Tiny net;
  ds::save_safetensors(net, path);
  auto file = ds::read_safetensors(path);
  file.tensors["2.weight"].values[3] = std::numeric_limits<float>::quiet_NaN();
  ds::write_safetensors(file, path);
  Tiny target;
  target.init(3);
  const auto before = target.get<2>().weight;
  try {
    ds::load_safetensors(target, path);
    FAIL("expected a ConfigError");
  } catch (const ds::ConfigError& e) {
    CHECK(std::string(e.what()).find("2.weight") != std::string::npos);
    CHECK(std::string(e.what()).find("nan") != std::string::npos);
  }
  CHECK(target.get<2>().weight == before);
  std::filesystem::remove(path);
}

TEST_CASE("safetensors: file-level errors (missing file, directory)") {
  Tiny net;
  CHECK_THROWS_AS(ds::load_safetensors(net, temp_path("does_not_exist.safetensors")), ds::IoError);
  CHECK_THROWS_AS(ds::load_safetensors(net, std::filesystem::temp_directory_path()), ds::IoError);
  CHECK_THROWS_AS(ds::save_safetensors(net, temp_path("no_such_dir") / "x.safetensors"), ds::IoError);
}

TEST_CASE("safetensors: serialize pads the header to 8 bytes and refuses inconsistent tensors") {
  ds::SafetensorsFile f;
  f.tensors["w"] = {"F32", {2, 2}, {1, 2, 3, 4}};
  const Bytes b = ds::serialize_safetensors(f);
  CHECK((b.size() - 16) % 8 == 0);
  CHECK(parse(b).tensors.at("w").values == std::vector<float>{1, 2, 3, 4});
  f.tensors["w"].shape = {3};
  CHECK_THROWS_AS((void)ds::serialize_safetensors(f), ds::ShapeError);
  f.tensors["w"] = {"F16", {2}, {}};
  CHECK_THROWS_AS((void)ds::serialize_safetensors(f), ds::ConfigError);
}

TEST_CASE("safetensors: Conv2d [OC, C, K, K] and BatchNorm [C] tensors, num_batches_tracked ignored") {
  using ConvNet = ds::Sequential<ds::Input<ds::Shape<2, 5, 5>>, ds::Conv2d<3, 3>, ds::BatchNorm, ds::StReLU<>,
                                 ds::AvgPool2d<3>, ds::Flatten, ds::Dense<2>>;
  ConvNet a;
  a.init(5);
  a.get<1>().running_mean << 0.5f, -0.5f, 0.25f;
  a.get<1>().running_var << 2.0f, 3.0f, 4.0f;
  const auto path = temp_path("conv.safetensors");
  ds::save_safetensors(a, path);
  auto f = ds::read_safetensors(path);
  CHECK(f.tensors.at("0.weight").shape == std::vector<std::size_t>{3, 2, 3, 3});
  // torch_weight[o][c][ky][kx] = weight(c*K*K + ky*K + kx, o).
  const auto& w = f.tensors.at("0.weight").values;
  CHECK(w[((1 * 2 + 1) * 3 + 2) * 3 + 0] == a.get<0>().weight((1 * 3 + 2) * 3 + 0, 1));
  CHECK(f.tensors.at("1.weight").shape == std::vector<std::size_t>{3});
  CHECK(f.tensors.at("1.running_var").values == std::vector<float>{2.0f, 3.0f, 4.0f});
  CHECK(f.tensors.at("5.weight").shape == std::vector<std::size_t>{2, 3});

  ConvNet b;
  ds::load_safetensors(b, path);
  CHECK(b.get<0>().weight == a.get<0>().weight);
  CHECK(b.get<1>().running_mean == a.get<1>().running_mean);
  CHECK(b.get<5>().weight == a.get<5>().weight);
  std::filesystem::remove(path);
}

TEST_CASE("safetensors: a scalar I64 '*.num_batches_tracked' in the file is ignored when loading") {
  // 0.weight [2, 3], 0.bias [2], 2.weight [2, 2], 2.bias [2], then an I64 scalar.
  const std::string header =
      R"({"0.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
      R"("0.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},)"
      R"("2.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[32,48]},)"
      R"("2.bias":{"dtype":"F32","shape":[2],"data_offsets":[48,56]},)"
      R"("1.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[56,64]}})";
  const Bytes b = make_file(header, {1, 2, 3, 4, 5, 6, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0});
  const auto path = temp_path("nbt.safetensors");
  write_file(path, b);
  Tiny net;
  ds::load_safetensors(net, path);
  CHECK(net.get<0>().weight(1, 2) == 6);
  std::filesystem::remove(path);
}

TEST_CASE("safetensors fuzz regression: a tensor named \"\" is a FormatError (it could not be written back)") {
  // fuzz_safetensors, 10-minute run: the parser accepted the name "" and the round trip
  // through serialize_safetensors then threw. Reduced from the crash input.
  const Bytes b = make_file(R"({"":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", {1, 2});
  CHECK(format_error_message(b).find("a tensor has an empty name") != std::string::npos);
  const Bytes two = make_file(
      R"({"0.weight":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
      {1, 2});
  CHECK_THROWS_AS(parse(two), ds::FormatError);
}
