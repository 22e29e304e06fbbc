// Tests for dualspike/data/idx.hpp (IDX / MNIST loader).
#include <doctest/doctest.h>

#include <dualspike/data/idx.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <zlib.h>

using dualspike::FormatError;
using dualspike::IoError;
using Bytes = std::vector<std::uint8_t>;

namespace {

const Bytes kImages = {0x00, 0x00, 0x08, 0x03, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
                       0x00, 0x03, 0x00, 0x80, 0xFF, 0x01, 0x02, 0x03, 0x0A, 0x14, 0x1E, 0x28, 0x32, 0x3C};
const Bytes kLabels = {0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x02, 0x07, 0x03};

Bytes gzip(const Bytes& in) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  Bytes out(deflateBound(&zs, static_cast<uLong>(in.size())) + 64);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  REQUIRE(rc == Z_STREAM_END);
  out.resize(zs.total_out);
  return out;
}

dualspike::IdxArray parse(const Bytes& b, std::string_view name = "test.idx") { return dualspike::parse_idx(b, name); }

Bytes drop_back(Bytes b, std::size_t n) {
  b.resize(b.size() - n);
  return b;
}

void write_file(const std::filesystem::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  REQUIRE(out.good());
}

}  // namespace

TEST_CASE("IDX-01: parse a tiny images + labels pair") {
  const auto img = parse(kImages);
  const auto lab = parse(kLabels);
  CHECK(img.dims == std::vector<std::size_t>{2, 2, 3});
  CHECK(lab.dims == std::vector<std::size_t>{2});
  CHECK(img.data == Bytes(kImages.begin() + 16, kImages.end()));

  const auto ds = dualspike::make_dataset(img, lab);
  REQUIRE(ds.size() == 2);
  CHECK(ds.height == 2);
  CHECK(ds.width == 3);
  CHECK(ds.channels == 1);
  CHECK(ds.num_classes == 10);
  CHECK(ds.images.rows() == 6);
  CHECK(ds.images.cols() == 2);
  CHECK(ds.labels == std::vector<std::int32_t>{7, 3});
  const int px[2][2][3] = {{{0, 128, 255}, {1, 2, 3}}, {{10, 20, 30}, {40, 50, 60}}};
  for (int j = 0; j < 2; ++j)
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c) CHECK(ds.images(r * 3 + c, j) == static_cast<float>(px[j][r][c]) / 255.0f);
  CHECK(ds.images(1, 0) == doctest::Approx(0.5019607843137255).epsilon(1e-7));
  CHECK(ds.images(2, 0) == 1.0f);
  CHECK(ds.images(0, 0) == 0.0f);
  CHECK_NOTHROW(ds.validate());
}

TEST_CASE("IDX-01: a byte-swapped (little-endian) header is rejected, never used as a size") {
  Bytes swapped = kImages;
  for (std::size_t i = 0; i < 16; i += 4) std::swap(swapped[i], swapped[i + 3]), std::swap(swapped[i + 1], swapped[i + 2]);
  CHECK(swapped[0] == 0x03);
  CHECK_THROWS_AS(parse(swapped), FormatError);
  CHECK_THROWS_WITH_AS(parse(swapped), doctest::Contains("0x03 0x08"), FormatError);
  CHECK_THROWS_WITH_AS(parse(swapped), doctest::Contains("test.idx"), FormatError);
}

TEST_CASE("IDX-02: malformed raw files") {
  SUBCASE("(a) body one byte short") {
    CHECK_THROWS_WITH_AS(parse(drop_back(kImages, 1)), doctest::Contains("needs 12 pixel bytes, has 11"), FormatError);
  }
  SUBCASE("(b) header truncated") {
    CHECK_THROWS_WITH_AS(parse(Bytes(kImages.begin(), kImages.begin() + 10)),
                         doctest::Contains("header is 16 bytes, file has 10"), FormatError);
  }
  SUBCASE("(c) empty file") {
    CHECK_THROWS_WITH_AS(parse(Bytes{}), doctest::Contains("file has 0 bytes"), FormatError);
    CHECK_THROWS_AS(parse(Bytes{0x00, 0x00, 0x08}), FormatError);
  }
  SUBCASE("(d) labels file given as images") {
    CHECK_THROWS_WITH_AS((void)dualspike::make_dataset(parse(kLabels), parse(kLabels), 10, "lab.idx", "lab2.idx"),
                         doctest::Contains("magic 2049, expected 2051"), FormatError);
    CHECK_THROWS_WITH_AS((void)dualspike::make_dataset(parse(kImages), parse(kImages), 10, "img", "img-as-labels"),
                         doctest::Contains("magic 2051, expected 2049"), FormatError);
  }
  SUBCASE("(e) unsupported type 0x0D (float)") {
    Bytes f = kImages;
    f[2] = 0x0D;
    CHECK_THROWS_WITH_AS(parse(f), doctest::Contains("unsupported type 0x0D"), FormatError);
    CHECK_THROWS_WITH_AS(parse(f), doctest::Contains("unsupported type"), FormatError);
  }
  SUBCASE("ndims 0 and ndims 5 are rejected") {
    CHECK_THROWS_WITH_AS(parse(Bytes{0, 0, 8, 0}), doctest::Contains("number of dims = 0"), FormatError);
    Bytes five = {0, 0, 8, 5};
    five.resize(4 + 4 * 5 + 1, 0);
    CHECK_THROWS_WITH_AS(parse(five), doctest::Contains("number of dims = 5"), FormatError);
  }
  SUBCASE("trailing extra bytes") {
    Bytes t = kImages;
    t.push_back(0x42);
    CHECK_THROWS_WITH_AS(parse(t), doctest::Contains("needs 12 pixel bytes, has 13"), FormatError);
  }
  SUBCASE("dims whose product overflows size_t") {
    Bytes o = {0, 0, 8, 4};
    for (int i = 0; i < 16; ++i) o.push_back(0xFF);
    o.push_back(0x00);
    CHECK_THROWS_WITH_AS(parse(o), doctest::Contains("overflows"), FormatError);
  }
  SUBCASE("header claims 60000x28x28, file has 20 bytes") {
    Bytes big = {0, 0, 8, 3, 0, 0, 0xEA, 0x60, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3, 4};
    CHECK_THROWS_WITH_AS(parse(big), doctest::Contains("needs 47040000 pixel bytes, has 4"), FormatError);
  }
}

TEST_CASE("IDX-02 (f): gzip") {
  const Bytes gz = gzip(kImages);
  REQUIRE(gz[0] == 0x1f);
  REQUIRE(gz[1] == 0x8b);
  const auto a = parse(gz, "x.gz");
  const auto b = parse(kImages);
  CHECK(a.dims == b.dims);
  CHECK(a.data == b.data);
  // Extension is irrelevant: detection is by magic bytes.
  CHECK(parse(gzip(kLabels), "labels-no-extension").data == Bytes{7, 3});

  CHECK_THROWS_AS(parse(drop_back(gz, 6), "x.gz"), FormatError);
  CHECK_THROWS_WITH_AS(parse(drop_back(gz, 6), "x.gz"), doctest::Contains("truncated"), FormatError);
  CHECK_THROWS_WITH_AS(parse(drop_back(gz, 6), "x.gz"), doctest::Contains("x.gz"), FormatError);
  CHECK_THROWS_AS(parse(Bytes(gz.begin(), gz.begin() + 12)), FormatError);

  Bytes corrupt = gz;
  corrupt[12] ^= 0xFF;
  corrupt[13] ^= 0x55;
  CHECK_THROWS_AS(parse(corrupt), FormatError);

  // The decompressed content goes through the same checks as raw.
  CHECK_THROWS_WITH_AS(parse(gzip(drop_back(kImages, 1))), doctest::Contains("needs 12 pixel bytes, has 11"),
                       FormatError);
  Bytes t = kImages;
  t.push_back(1);
  CHECK_THROWS_WITH_AS(parse(gzip(t)), doctest::Contains("trailing"), FormatError);
  Bytes f = kImages;
  f[2] = 0x0D;
  CHECK_THROWS_WITH_AS(parse(gzip(f)), doctest::Contains("0x0D"), FormatError);
  const Bytes head10 = gzip(Bytes(kImages.begin(), kImages.begin() + 10));
  CHECK_THROWS_WITH_AS(parse(head10, "x.gz"),
                       ("IDX file 'x.gz': header is 16 bytes, decompressed data has 10 bytes (gzip file of " +
                        std::to_string(head10.size()) + " bytes)")
                           .c_str(),
                       FormatError);
  Bytes after = gz;
  after.push_back(0);
  CHECK_THROWS_WITH_AS(parse(after), doctest::Contains("after the end of the gzip stream"), FormatError);
}

TEST_CASE("IDX-02 (h): a gzip file of concatenated members decodes to their concatenation, as gunzip does") {
  const auto cat = [](std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  };
  const auto part = [](const Bytes& b, std::size_t first, std::size_t last) {
    return Bytes(b.begin() + static_cast<std::ptrdiff_t>(first), b.begin() + static_cast<std::ptrdiff_t>(last));
  };
  const Bytes head = gzip(part(kImages, 0, 10)), rest = gzip(part(kImages, 10, kImages.size()));
  const Bytes two = cat({head, rest});  // what `cat a.gz b.gz` gives: split inside the header
  const auto a = parse(two, "two.gz");
  CHECK(a.dims == std::vector<std::size_t>{2, 2, 3});
  CHECK(a.data == part(kImages, 16, kImages.size()));
  // Split inside the pixels, an empty member in front, one byte per member for the labels.
  const Bytes three = cat({gzip({}), gzip(part(kImages, 0, 20)), gzip(part(kImages, 20, kImages.size()))});
  CHECK(parse(three).data == part(kImages, 16, kImages.size()));
  Bytes per_byte;
  for (std::uint8_t b : kLabels) per_byte = cat({per_byte, gzip({b})});
  CHECK(parse(per_byte).data == Bytes{7, 3});

  // Errors name the member and say which sizes are compressed and which decompressed.
  const Bytes cut = cat({head, drop_back(rest, 6)});
  CHECK_THROWS_WITH_AS(parse(cut, "cut.gz"),
                       ("IDX file 'cut.gz': gzip member 2 is truncated: the " + std::to_string(cut.size()) +
                        "-byte gzip file ends after " + std::to_string(kImages.size()) + " decompressed bytes")
                           .c_str(),
                       FormatError);
  const Bytes short_body = cat({head, gzip(part(kImages, 10, kImages.size() - 1))});
  CHECK_THROWS_WITH_AS(parse(short_body, "s.gz"),
                       ("IDX file 's.gz': needs 12 pixel bytes, has 11 decompressed (gzip file of " +
                        std::to_string(short_body.size()) + " bytes)")
                           .c_str(),
                       FormatError);
  const Bytes long_body = cat({two, gzip({9})});
  CHECK_THROWS_WITH_AS(parse(long_body, "l.gz"),
                       ("IDX file 'l.gz': needs 12 pixel bytes, has more (trailing bytes after the data; gzip file of " +
                        std::to_string(long_body.size()) + " bytes)")
                           .c_str(),
                       FormatError);
  const Bytes garbage = cat({two, Bytes{0x1f, 0x00, 0x00}});
  CHECK_THROWS_WITH_AS(parse(garbage, "g.gz"),
                       ("IDX file 'g.gz': 3 trailing bytes after the end of the gzip stream (at compressed byte " +
                        std::to_string(two.size()) + " of " + std::to_string(garbage.size()) + "; not a gzip member)")
                           .c_str(),
                       FormatError);
  Bytes corrupt = two;
  corrupt[corrupt.size() - 6] ^= 0xFF;  // member 2's CRC-32
  CHECK_THROWS_WITH_AS(parse(corrupt, "c.gz"),
                       ("IDX file 'c.gz': gzip member 2 is corrupt at compressed byte " +
                        std::to_string(corrupt.size() - 4) + " of " + std::to_string(corrupt.size()) +
                        " (zlib: incorrect data check)")  // zlib stops after the CRC
                           .c_str(),
                       FormatError);
}

TEST_CASE("gzip bomb: a huge claimed size is rejected before allocating") {
  // Header claims 60000x28x28 = 47 MB, far more than 1100x a ~40-byte stream.
  const Bytes hdr = {0, 0, 8, 3, 0, 0, 0xEA, 0x60, 0, 0, 0, 28, 0, 0, 0, 28};
  CHECK_THROWS_WITH_AS(parse(gzip(hdr)), doctest::Contains("compressed bytes"), FormatError);
  // 4 x 0xFFFFFFFF overflows before any size check.
  Bytes o = {0, 0, 8, 4};
  for (int i = 0; i < 16; ++i) o.push_back(0xFF);
  CHECK_THROWS_WITH_AS(parse(gzip(o)), doctest::Contains("overflows"), FormatError);
  // Above the 1 GiB cap.
  const Bytes huge = {0, 0, 8, 3, 0, 0, 0x10, 0x00, 0, 0, 0x10, 0x00, 0, 0, 0x01, 0x00};
  CHECK_THROWS_WITH_AS(parse(gzip(huge)), doctest::Contains("limit"), FormatError);
}

TEST_CASE("IDX-02 (g): make_dataset consistency") {
  const auto img = parse(kImages);
  const Bytes three = {0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3};
  CHECK_THROWS_WITH_AS((void)dualspike::make_dataset(img, parse(three)), doctest::Contains("2 images"), FormatError);
  CHECK_THROWS_WITH_AS((void)dualspike::make_dataset(img, parse(three)), doctest::Contains("3 labels"), FormatError);

  Bytes bad = kLabels;
  bad[9] = 0x0A;
  CHECK_THROWS_WITH_AS((void)dualspike::make_dataset(img, parse(bad)), doctest::Contains("labels[1] = 10 is outside [0, 10)"),
                       FormatError);
  CHECK_NOTHROW((void)dualspike::make_dataset(img, parse(bad), 11));
  CHECK_THROWS_AS((void)dualspike::make_dataset(img, parse(kLabels), 0), dualspike::ConfigError);

  // rows = 0 is rejected.
  const Bytes zero = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3};
  CHECK_THROWS_WITH_AS((void)dualspike::make_dataset(parse(zero), parse(kLabels)), doctest::Contains("rows > 0"),
                       FormatError);
  // A hand-built IdxArray whose data does not match its dims is rejected.
  dualspike::IdxArray wrong{{2, 2, 3}, Bytes(5)};
  CHECK_THROWS_AS((void)dualspike::make_dataset(wrong, parse(kLabels)), FormatError);
}

TEST_CASE("read_idx / load_idx_dataset / load_mnist_split on files") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("dualspike_idx_test_" + std::to_string(std::random_device{}()));
  fs::remove_all(dir);
  fs::create_directories(dir);

  CHECK_THROWS_AS((void)dualspike::read_idx(dir / "missing"), IoError);
  CHECK_THROWS_WITH_AS((void)dualspike::read_idx(dir / "missing"), doctest::Contains("missing"), IoError);
  CHECK_THROWS_AS((void)dualspike::read_idx(dir), IoError);
  CHECK_THROWS_AS((void)dualspike::load_idx_dataset(dir / "a", dir / "b"), IoError);
  CHECK_THROWS_WITH_AS((void)dualspike::load_mnist_split(dir, dualspike::Split::train),
                       doctest::Contains("train-images-idx3-ubyte"), IoError);

  // train: images gzip, labels raw.  test: images raw, labels gzip.
  write_file(dir / "train-images-idx3-ubyte.gz", gzip(kImages));
  write_file(dir / "train-labels-idx1-ubyte", kLabels);
  write_file(dir / "t10k-images-idx3-ubyte", kImages);
  write_file(dir / "t10k-labels-idx1-ubyte.gz", gzip(kLabels));

  const auto tr = dualspike::load_mnist_split(dir, dualspike::Split::train);
  const auto te = dualspike::load_mnist_split(dir, dualspike::Split::test);
  for (const auto* ds : {&tr, &te}) {
    CHECK(ds->size() == 2);
    CHECK(ds->height == 2);
    CHECK(ds->width == 3);
    CHECK(ds->labels == std::vector<std::int32_t>{7, 3});
    CHECK(ds->images(2, 0) == 1.0f);
    CHECK(ds->images(5, 1) == 60.0f / 255.0f);
  }
  CHECK(dualspike::read_idx(dir / "train-images-idx3-ubyte.gz").data == parse(kImages).data);

  // Raw is preferred over .gz when both exist: a corrupt .gz next to a valid raw file is ignored.
  write_file(dir / "t10k-images-idx3-ubyte.gz", Bytes{0x1f, 0x8b, 0x00});
  CHECK_NOTHROW((void)dualspike::load_mnist_split(dir, dualspike::Split::test));

  // A malformed file found on disk names the file in the FormatError.
  write_file(dir / "train-labels-idx1-ubyte", drop_back(kLabels, 1));
  CHECK_THROWS_WITH_AS((void)dualspike::load_mnist_split(dir, dualspike::Split::train),
                       doctest::Contains("train-labels-idx1-ubyte"), FormatError);

  fs::remove(dir / "t10k-labels-idx1-ubyte.gz");
  CHECK_THROWS_WITH_AS((void)dualspike::load_mnist_split(dir, dualspike::Split::test),
                       doctest::Contains("t10k-labels-idx1-ubyte.gz"), IoError);

  fs::remove_all(dir);
  CHECK_FALSE(fs::exists(dir));
}
