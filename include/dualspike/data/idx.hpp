#pragma once
/// \file idx.hpp
/// Loader for the IDX format of MNIST and Fashion-MNIST, raw or gzip-compressed (detected
/// by the gzip magic bytes 1f 8b, never by file extension). A gzip file of several
/// concatenated members (`cat a.gz b.gz`, parallel gzip tools) decodes, as `gunzip` does,
/// to the concatenation of the members. Only unsigned-byte IDX files
/// (type 0x08) are supported. Every size read from a file is checked against the bytes
/// actually present (or, for gzip, against hard limits) before anything is allocated.
/// Requires zlib (link with -lz / ZLIB::ZLIB).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <zlib.h>

#include "../core/errors.hpp"
#include "../core/file_bytes.hpp"
#include "dataset.hpp"

namespace dualspike {

/// A parsed unsigned-byte IDX array: `dims` as stored in the file (outermost first) and
/// `data` in the file's row-major order; `data.size()` is the product of `dims`.
struct IdxArray {
  std::vector<std::size_t> dims;
  std::vector<std::uint8_t> data;
};

namespace detail {

inline constexpr std::size_t kIdxMaxDims = 4;
/// Upper bound on the decompressed size of a gzip IDX file (bytes).
inline constexpr std::size_t kIdxMaxDecompressed = std::size_t{1} << 30;
/// Upper bound on decompressed / compressed size; deflate cannot exceed about 1032:1.
inline constexpr std::size_t kIdxMaxRatio = 1100;
/// Upper bound on the size of a file read by read_idx (bytes).
inline constexpr std::uintmax_t kIdxMaxFileSize = std::uintmax_t{1} << 30;
/// Upper bound on the features of one image (rows * cols) and on the values of a data set
/// (n * rows * cols; 2^28 floats = 1 GiB) built by make_dataset.
inline constexpr std::size_t kIdxMaxImageSize = std::size_t{1} << 24;
inline constexpr std::size_t kIdxMaxDatasetValues = std::size_t{1} << 28;

inline std::string idx_hex(std::uint8_t b) {
  constexpr char digits[] = "0123456789ABCDEF";
  return std::string("0x") + digits[b >> 4] + digits[b & 0xF];
}

inline FormatError idx_error(std::string_view name, const std::string& what) {
  return FormatError("IDX file '" + std::string(name) + "': " + what);
}

/// Product of `dims`. \throws FormatError if it overflows std::size_t.
inline std::size_t idx_product(std::span<const std::size_t> dims, std::string_view name) {
  std::size_t n = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] != 0 && n > std::numeric_limits<std::size_t>::max() / dims[i])
      throw idx_error(name, "product of dims overflows size_t at dims[" + std::to_string(i) +
                                "] = " + std::to_string(dims[i]));
    n *= dims[i];
  }
  return n;
}

/// How much data an error message says there is: "file has N bytes" for a raw file,
/// "decompressed data has N bytes (gzip file of C bytes)" for gzip (`compressed` > 0).
inline std::string idx_data_size(std::size_t n, std::size_t compressed) {
  if (compressed == 0) return "file has " + std::to_string(n) + " bytes";
  return "decompressed data has " + std::to_string(n) + " bytes (gzip file of " + std::to_string(compressed) +
         " bytes)";
}

/// Header length (4 + 4 * ndims) announced by the first 4 bytes, after checking them.
/// `compressed`: the gzip file's size, 0 for a raw file (for messages).
inline std::size_t idx_header_size(std::span<const std::uint8_t> b, std::string_view name,
                                   std::size_t compressed = 0) {
  if (b.size() < 4)
    throw idx_error(name, idx_data_size(b.size(), compressed) + ", expected at least 4 (magic number)");
  if (b[0] != 0 || b[1] != 0)
    throw idx_error(name, "magic starts with bytes " + idx_hex(b[0]) + " " + idx_hex(b[1]) +
                              ", expected 0x00 0x00 (not an IDX file, or byte-swapped)");
  if (b[2] != 0x08)
    throw idx_error(name, "unsupported type " + idx_hex(b[2]) + " in magic, expected 0x08 (unsigned byte)");
  if (b[3] < 1 || b[3] > kIdxMaxDims)
    throw idx_error(name, "number of dims = " + std::to_string(b[3]) + ", expected 1.." + std::to_string(kIdxMaxDims));
  return 4 + 4 * std::size_t{b[3]};
}

/// Parses the full header (`b` may hold more than the header). Returns the dims.
inline std::vector<std::size_t> idx_parse_header(std::span<const std::uint8_t> b, std::string_view name,
                                                 std::size_t compressed = 0) {
  const std::size_t header = idx_header_size(b, name, compressed);
  if (b.size() < header)
    throw idx_error(name, "header is " + std::to_string(header) + " bytes, " + idx_data_size(b.size(), compressed));
  std::vector<std::size_t> dims(b[3]);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const auto* p = &b[4 + 4 * i];  // big-endian uint32
    dims[i] = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | std::size_t{p[3]};
  }
  return dims;
}

inline FormatError idx_body_error(std::string_view name, std::size_t needed, const std::string& has) {
  return idx_error(name, "needs " + std::to_string(needed) + " pixel bytes, has " + has);
}

/// Streaming gunzip of an in-memory buffer (RAII around zlib's z_stream). Members
/// follow one another: when one ends and the next input bytes start with the gzip magic,
/// decoding continues with the next member, as `gunzip` does.
class GzipReader {
 public:
  GzipReader(std::span<const std::uint8_t> in, std::string_view name) : in_(in), name_(name) {
    if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) throw Error("zlib: inflateInit2 failed for '" + std::string(name) + "'");
  }
  ~GzipReader() { inflateEnd(&zs_); }
  GzipReader(const GzipReader&) = delete;
  GzipReader& operator=(const GzipReader&) = delete;

  /// Decompresses up to `n` bytes into `out`; fewer only at the end of the last member.
  /// \throws FormatError if a member is truncated or corrupt.
  std::size_t read(std::uint8_t* out, std::size_t n) {
    constexpr std::size_t kChunk = std::size_t{1} << 30;  // avail_in / avail_out are 32-bit
    std::size_t done = 0;
    while (done < n && !ended_) {
      if (zs_.avail_in == 0) {
        const std::size_t chunk = std::min(in_.size() - pos_, kChunk);
        zs_.next_in = const_cast<Bytef*>(in_.data() + pos_);
        zs_.avail_in = static_cast<uInt>(chunk);
        pos_ += chunk;
      }
      const std::size_t want = std::min(n - done, kChunk);
      zs_.next_out = out + done;
      zs_.avail_out = static_cast<uInt>(want);
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      done += want - zs_.avail_out;
      decompressed_ += want - zs_.avail_out;
      if (rc == Z_STREAM_END) {
        ++members_;
        if (next_member_starts()) {
          if (inflateReset(&zs_) != Z_OK) throw Error("zlib: inflateReset failed for '" + std::string(name_) + "'");
        } else {
          ended_ = true;
        }
      } else if (rc == Z_BUF_ERROR && zs_.avail_in == 0 && pos_ == in_.size()) {
        throw idx_error(name_, "gzip member " + std::to_string(members_ + 1) + " is truncated: the " +
                                   std::to_string(in_.size()) + "-byte gzip file ends after " +
                                   std::to_string(decompressed_) + " decompressed bytes");
      } else if (rc != Z_OK) {
        throw idx_error(name_, "gzip member " + std::to_string(members_ + 1) + " is corrupt at compressed byte " +
                                   std::to_string(offset()) + " of " + std::to_string(in_.size()) + " (zlib: " +
                                   (zs_.msg ? zs_.msg : "error " + std::to_string(rc)) + ")");
      }
    }
    return done;
  }
  [[nodiscard]] bool ended() const noexcept { return ended_; }
  /// Offset in the compressed input of the next byte zlib has not consumed.
  [[nodiscard]] std::size_t offset() const noexcept { return pos_ - zs_.avail_in; }
  [[nodiscard]] bool input_left() const noexcept { return offset() != in_.size(); }

 private:
  [[nodiscard]] bool next_member_starts() const noexcept {
    const std::size_t at = offset();
    return in_.size() - at >= 2 && in_[at] == 0x1f && in_[at + 1] == 0x8b;
  }

  z_stream zs_{};
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  std::size_t decompressed_ = 0;
  std::size_t members_ = 0;
  bool ended_ = false;
  std::string_view name_;
};

inline IdxArray idx_parse_gzip(std::span<const std::uint8_t> bytes, std::string_view name) {
  GzipReader gz(bytes, name);
  std::uint8_t head[4 + 4 * kIdxMaxDims];
  std::size_t have = gz.read(head, 4);
  const std::size_t header = idx_header_size(std::span(head, have), name, bytes.size());
  have += gz.read(head + have, header - have);
  IdxArray out{idx_parse_header(std::span(head, have), name, bytes.size()), {}};
  const std::size_t body = idx_product(out.dims, name);
  const std::size_t total = body > kIdxMaxDecompressed ? body : body + header;
  if (total > kIdxMaxDecompressed)
    throw idx_error(name, "dims need " + std::to_string(body) + " pixel bytes, above the " +
                              std::to_string(kIdxMaxDecompressed) + "-byte limit for gzip files");
  if (total / kIdxMaxRatio > bytes.size())
    throw idx_error(name, "dims need " + std::to_string(body) + " pixel bytes, impossible from " +
                              std::to_string(bytes.size()) + " compressed bytes (ratio above " +
                              std::to_string(kIdxMaxRatio) + ":1)");
  out.data.resize(body);
  const std::size_t got = gz.read(out.data.data(), body);
  const std::string gzip_file = " (gzip file of " + std::to_string(bytes.size()) + " bytes)";
  if (got != body) throw idx_body_error(name, body, std::to_string(got) + " decompressed" + gzip_file);
  std::uint8_t extra = 0;
  if (gz.read(&extra, 1) != 0)
    throw idx_body_error(name, body, "more (trailing bytes after the data; gzip file of " + std::to_string(bytes.size()) + " bytes)");
  if (gz.input_left())
    throw idx_error(name, std::to_string(bytes.size() - gz.offset()) +
                              " trailing bytes after the end of the gzip stream (at compressed byte " +
                              std::to_string(gz.offset()) + " of " + std::to_string(bytes.size()) +
                              "; not a gzip member)");
  return out;
}

}  // namespace detail

/// Parses an in-memory IDX file (raw, or gzip detected by its magic bytes 1f 8b).
/// `name` (e.g. the file name) is used in error messages.
/// \throws FormatError if the file is not an unsigned-byte IDX file with 1..4 dims, is
///   truncated, has trailing bytes, or (gzip) is corrupt, has bytes after its last member
///   that do not start a new member, or decompresses to more than 1 GiB / 1100 times its
///   compressed size. Messages about a gzip file say which sizes are compressed and which
///   decompressed.
[[nodiscard]] inline IdxArray parse_idx(std::span<const std::uint8_t> bytes, std::string_view name) {
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return detail::idx_parse_gzip(bytes, name);
  IdxArray out{detail::idx_parse_header(bytes, name), {}};
  const std::size_t header = 4 + 4 * out.dims.size();
  const std::size_t body = detail::idx_product(out.dims, name);
  const std::size_t present = bytes.size() - header;
  if (present != body)
    throw detail::idx_body_error(name, body, std::to_string(present) + (present > body ? " (trailing bytes)" : ""));
  out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return out;
}

/// Reads and parses the IDX file at `path` (raw or gzip; symbolic links are followed).
/// \throws IoError if it is missing, not a regular file (directory, FIFO, device) or cannot
///   be read; FormatError if it is larger than 1 GiB, or as parse_idx.
[[nodiscard]] inline IdxArray read_idx(const std::filesystem::path& path) {
  const auto bytes = detail::read_file_bytes(path, "read_idx", detail::kIdxMaxFileSize, [&](auto size) {
    return FormatError("IDX file '" + path.string() + "': " + std::to_string(size) + " bytes, above the " +
                       std::to_string(detail::kIdxMaxFileSize) + "-byte limit");
  });
  return parse_idx(bytes, path.string());
}

/// Builds a data set from an images array (magic 2051: n x rows x cols unsigned bytes)
/// and a labels array (magic 2049: n unsigned bytes). Pixels are scaled by 1/255 into
/// [0, 1]; `images` is (rows*cols) x n, feature index r*cols + c; channels = 1.
/// \throws FormatError naming the file if the magic/dims are wrong, the counts differ,
///   rows or cols is 0, an image has more than 2^24 pixels or the set more than 2^28
///   values, or a label is >= num_classes; ConfigError if num_classes = 0.
[[nodiscard]] inline Dataset make_dataset(const IdxArray& images, const IdxArray& labels, std::size_t num_classes = 10,
                                          std::string_view images_name = "images",
                                          std::string_view labels_name = "labels") {
  if (num_classes == 0) throw ConfigError("make_dataset: num_classes = 0, expected >= 1");
  const auto check = [](const IdxArray& a, std::size_t ndims, std::string_view name, const char* what) {
    if (a.dims.size() != ndims)
      throw detail::idx_error(name, "magic " + std::to_string(0x0800 + a.dims.size()) + ", expected " +
                                        std::to_string(0x0800 + ndims) + " (" + what + ")");
    const std::size_t n = detail::idx_product(a.dims, name);
    if (a.data.size() != n) throw detail::idx_body_error(name, n, std::to_string(a.data.size()));
  };
  check(images, 3, images_name, "images: n x rows x cols unsigned bytes");
  check(labels, 1, labels_name, "labels: n unsigned bytes");
  const std::size_t n = images.dims[0], rows = images.dims[1], cols = images.dims[2];
  if (rows == 0 || cols == 0)
    throw detail::idx_error(images_name, "image size " + std::to_string(rows) + "x" + std::to_string(cols) +
                                             ", expected rows > 0 and cols > 0");
  // dims are 32-bit, so rows * cols cannot overflow 64 bits; bound it and n * rows * cols.
  if (rows * cols > detail::kIdxMaxImageSize)
    throw detail::idx_error(images_name, "image size " + std::to_string(rows) + "x" + std::to_string(cols) +
                                             " above the limit of " + std::to_string(detail::kIdxMaxImageSize) +
                                             " pixels");
  if (n > detail::kIdxMaxDatasetValues / (rows * cols))
    throw detail::idx_error(images_name, std::to_string(n) + " images of " + std::to_string(rows * cols) +
                                             " pixels exceed the limit of " +
                                             std::to_string(detail::kIdxMaxDatasetValues) + " values");
  if (labels.dims[0] != n)
    throw FormatError("make_dataset: '" + std::string(images_name) + "' has " + std::to_string(n) + " images but '" +
                      std::string(labels_name) + "' has " + std::to_string(labels.dims[0]) + " labels");
  Dataset ds;
  ds.labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (labels.data[i] >= num_classes)
      throw detail::idx_error(labels_name, "labels[" + std::to_string(i) + "] = " + std::to_string(labels.data[i]) +
                                               " is outside [0, " + std::to_string(num_classes) + ")");
    ds.labels[i] = labels.data[i];
  }
  ds.images.resize(static_cast<Eigen::Index>(rows * cols), static_cast<Eigen::Index>(n));
  // Column-major: column j (sample j) is contiguous, exactly the IDX order.
  float* dst = ds.images.data();
  for (std::size_t i = 0; i < images.data.size(); ++i) dst[i] = static_cast<float>(images.data[i]) / 255.0f;
  ds.channels = 1;
  ds.height = rows;
  ds.width = cols;
  ds.num_classes = num_classes;
  return ds;
}

/// Reads an images and a labels IDX file (raw or gzip) into a data set (see make_dataset).
/// \throws IoError if a file cannot be read; FormatError / ConfigError as make_dataset.
[[nodiscard]] inline Dataset load_idx_dataset(const std::filesystem::path& images, const std::filesystem::path& labels,
                                              std::size_t num_classes = 10) {
  return make_dataset(read_idx(images), read_idx(labels), num_classes, images.string(), labels.string());
}

/// Which MNIST / Fashion-MNIST split to load.
enum class Split { train, test };

/// Loads `{train,t10k}-images-idx3-ubyte` and `{train,t10k}-labels-idx1-ubyte` from `dir`,
/// each raw or with a `.gz` suffix (raw preferred). Works for MNIST and Fashion-MNIST.
/// \throws IoError naming the directory and file names if a file is missing or unreadable;
///   FormatError as make_dataset.
[[nodiscard]] inline Dataset load_mnist_split(const std::filesystem::path& dir, Split split) {
  const std::string prefix = split == Split::train ? "train" : "t10k";
  std::error_code dir_ec;
  const std::string where = std::filesystem::absolute(dir, dir_ec).string();
  if (!std::filesystem::exists(dir, dir_ec))
    throw IoError("load_mnist_split: directory '" + where + "' does not exist");
  if (!std::filesystem::is_directory(dir, dir_ec))
    throw IoError("load_mnist_split: '" + where + "' is not a directory");
  const auto find = [&](const std::string& base) {
    std::error_code ec;
    for (const auto& file : {dir / base, dir / (base + ".gz")})
      if (std::filesystem::is_regular_file(file, ec)) return file;
    throw IoError("load_mnist_split: directory '" + dir.string() + "' has neither '" + base + "' nor '" + base +
                  ".gz'");
  };
  const auto images = find(prefix + "-images-idx3-ubyte");
  const auto labels = find(prefix + "-labels-idx1-ubyte");
  return load_idx_dataset(images, labels, 10);
}

}  // namespace dualspike
