#pragma once
/// \file file_bytes.hpp
/// Reading a whole binary file under a size cap: the one file reader of the loaders
/// (IDX, CIFAR-10, safetensors), so every format refuses a missing file, a directory or
/// FIFO, and an oversized file the same way, before anything is allocated from its size.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "errors.hpp"

namespace dualspike::detail {

/// The bytes of the regular file at `path` (symbolic links are followed). `who` (the
/// calling function's name) starts every IoError message; when the file has more than
/// `max_size` bytes, `size_error(size)` is thrown instead, before the buffer is allocated.
/// Cost: one allocation of the file's size and one read.
/// \throws IoError if the file is missing, not a regular file (directory, FIFO, device) or
///   cannot be read in full; what `size_error` returns if it is too large.
template <class SizeError>
[[nodiscard]] std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path, std::string_view who,
                                                        std::uintmax_t max_size, SizeError&& size_error) {
  const std::string w(who);
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) throw IoError(w + ": cannot open '" + path.string() + "' (no such file)");
  if (!std::filesystem::is_regular_file(status))
    throw IoError(w + ": '" + path.string() + "' is not a regular file (directory, FIFO or device)");
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw IoError(w + ": cannot determine the size of '" + path.string() + "'");
  if (size > max_size) throw size_error(size);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(w + ": cannot open '" + path.string() + "'");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size)
    throw IoError(w + ": read " + std::to_string(in.gcount()) + " of " + std::to_string(size) + " bytes of '" +
                  path.string() + "'");
  return bytes;
}

}  // namespace dualspike::detail
