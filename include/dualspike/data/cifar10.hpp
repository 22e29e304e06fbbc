#pragma once
/// \file cifar10.hpp
/// Loader for the CIFAR-10 binary version (`cifar-10-batches-bin`: data_batch_1..5.bin,
/// test_batch.bin). A batch file is a sequence of 3073-byte records: 1 label byte (0..9),
/// then 3072 pixel bytes: the 1024 red, then green, then blue values of a 32x32 image,
/// each plane row-major. That is already CHW, so a record's pixels become one column of
/// `Dataset::images` as they are (feature index c*1024 + y*32 + x), scaled by 1/255.
/// Every size is checked against the bytes present before anything is allocated.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../core/errors.hpp"
#include "../core/file_bytes.hpp"
#include "dataset.hpp"
#include "idx.hpp"

namespace dualspike {

namespace detail {
inline constexpr std::size_t kCifarSide = 32;
inline constexpr std::size_t kCifarImage = 3 * kCifarSide * kCifarSide;  // 3072
inline constexpr std::size_t kCifarRecord = 1 + kCifarImage;              // 3073
inline constexpr std::size_t kCifarClasses = 10;
/// Upper bound on the size of one batch file read by read_cifar10_batch (bytes).
inline constexpr std::uintmax_t kCifarMaxFileSize = std::uintmax_t{1} << 30;

inline FormatError cifar_error(std::string_view name, const std::string& what) {
  return FormatError("CIFAR-10 file '" + std::string(name) + "': " + what);
}
}  // namespace detail

/// Parses an in-memory CIFAR-10 binary batch into a data set (3 x 32 x 32, CHW, values
/// in [0, 1], 10 classes); `name` (e.g. the file name) is used in error messages.
/// \throws FormatError if the size is 0 or not a multiple of 3073 bytes, the data set
///   would exceed 2^28 values, or a label byte is >= 10 (naming the record).
[[nodiscard]] inline Dataset parse_cifar10(std::span<const std::uint8_t> bytes, std::string_view name) {
  using detail::kCifarImage;
  using detail::kCifarRecord;
  if (bytes.empty() || bytes.size() % kCifarRecord != 0)
    throw detail::cifar_error(name, std::to_string(bytes.size()) + " bytes, not a positive multiple of the " +
                                        std::to_string(kCifarRecord) + "-byte record (" +
                                        std::to_string(bytes.size() / kCifarRecord) + " whole records and " +
                                        std::to_string(bytes.size() % kCifarRecord) + " bytes left over)");
  const std::size_t n = bytes.size() / kCifarRecord;
  if (n > detail::kIdxMaxDatasetValues / kCifarImage)
    throw detail::cifar_error(name, std::to_string(n) + " records exceed the limit of " +
                                        std::to_string(detail::kIdxMaxDatasetValues) + " values");
  for (std::size_t i = 0; i < n; ++i)
    if (bytes[i * kCifarRecord] >= detail::kCifarClasses)
      throw detail::cifar_error(name, "record " + std::to_string(i) + " (byte offset " +
                                          std::to_string(i * kCifarRecord) + "): label = " +
                                          std::to_string(bytes[i * kCifarRecord]) + ", expected 0..9");
  Dataset ds;
  ds.channels = 3;
  ds.height = detail::kCifarSide;
  ds.width = detail::kCifarSide;
  ds.num_classes = detail::kCifarClasses;
  ds.labels.resize(n);
  ds.images.resize(static_cast<Eigen::Index>(kCifarImage), static_cast<Eigen::Index>(n));
  float* dst = ds.images.data();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* rec = bytes.data() + i * kCifarRecord;
    ds.labels[i] = rec[0];
    for (std::size_t k = 0; k < kCifarImage; ++k) dst[i * kCifarImage + k] = static_cast<float>(rec[1 + k]) / 255.0f;
  }
  return ds;
}

/// Reads and parses one CIFAR-10 binary batch file (symbolic links are followed).
/// \throws IoError if it is missing, not a regular file or cannot be read; FormatError if
///   it is larger than 1 GiB, or as parse_cifar10.
[[nodiscard]] inline Dataset read_cifar10_batch(const std::filesystem::path& path) {
  const auto bytes = detail::read_file_bytes(path, "read_cifar10_batch", detail::kCifarMaxFileSize, [&](auto size) {
    return detail::cifar_error(path.string(), std::to_string(size) + " bytes, above the " +
                                                  std::to_string(detail::kCifarMaxFileSize) + "-byte limit");
  });
  return parse_cifar10(bytes, path.string());
}

/// Loads a CIFAR-10 split from the directory of the binary version
/// (`cifar-10-batches-bin`): train = data_batch_1.bin .. data_batch_5.bin (50,000
/// images), test = test_batch.bin (10,000), in that order.
/// \throws IoError naming the directory and file if one is missing or unreadable;
///   FormatError as parse_cifar10.
[[nodiscard]] inline Dataset load_cifar10_split(const std::filesystem::path& dir, Split split) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw IoError("load_cifar10_split: '" + std::filesystem::absolute(dir, ec).string() +
                  "' is not a directory (expected cifar-10-batches-bin)");
  std::vector<std::filesystem::path> files;
  if (split == Split::test) {
    files.push_back(dir / "test_batch.bin");
  } else {
    for (int i = 1; i <= 5; ++i) files.push_back(dir / ("data_batch_" + std::to_string(i) + ".bin"));
  }
  std::vector<Dataset> parts;
  std::size_t n = 0;
  for (const auto& f : files) {
    parts.push_back(read_cifar10_batch(f));
    n += parts.back().size();
  }
  if (n > detail::kIdxMaxDatasetValues / detail::kCifarImage)
    throw FormatError("load_cifar10_split: directory '" + dir.string() + "' holds " + std::to_string(n) +
                      " images, above the limit of " + std::to_string(detail::kIdxMaxDatasetValues) + " values");
  if (parts.size() == 1) return std::move(parts.front());
  Dataset out;
  out.channels = 3;
  out.height = detail::kCifarSide;
  out.width = detail::kCifarSide;
  out.num_classes = detail::kCifarClasses;
  out.images.resize(static_cast<Eigen::Index>(detail::kCifarImage), static_cast<Eigen::Index>(n));
  out.labels.reserve(n);
  Eigen::Index col = 0;
  for (const auto& p : parts) {
    out.images.middleCols(col, p.images.cols()) = p.images;
    col += p.images.cols();
    out.labels.insert(out.labels.end(), p.labels.begin(), p.labels.end());
  }
  return out;
}

}  // namespace dualspike
