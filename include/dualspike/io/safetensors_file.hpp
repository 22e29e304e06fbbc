#pragma once
/// \file safetensors_file.hpp
/// The safetensors format itself (Hugging Face; what PyTorch users save with
/// `safetensors.torch.save_file(model.state_dict(), path)`): parse, read, serialize and
/// write a file of named tensors. Mapping a network's parameters to PyTorch's state_dict
/// names is io/safetensors.hpp.
///
/// File layout: 8 bytes little-endian header length N, N bytes of UTF-8 JSON
/// `{"0.weight": {"dtype": "F32", "shape": [out, in], "data_offsets": [b, e]}, ...,
/// "__metadata__": {"key": "value"}}`, then the data buffer; tensor data is row-major
/// (C order, PyTorch's) little-endian, bytes [b, e) of the buffer.
///
/// Validation (every check happens before anything is allocated from a size read in the
/// file): the file size (<= 4 GiB) and header length (<= 100 MB) are capped and checked
/// against the bytes present; the header must be a JSON object of depth <= 3 without
/// duplicate keys; every tensor entry has exactly `dtype` (a safetensors dtype),
/// `shape` (unsigned integers) and `data_offsets` ([begin, end], begin <= end); `end -
/// begin` equals the shape's element count times the dtype's size (overflow-checked);
/// the tensors tile the data buffer exactly (no holes, no overlaps, nothing after); no
/// tensor name is empty;
/// `__metadata__` is an object of strings. Only F32 tensors are decoded: a tensor of
/// another dtype is kept with its dtype and no values, and loading it into a network is a
/// FormatError (convert with `.float()` in PyTorch first).
///
/// Requires nlohmann-json (Debian `nlohmann-json3-dev`).
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../core/errors.hpp"
#include "../core/file_bytes.hpp"

namespace dualspike {

/// One tensor of a safetensors file: its dtype ("F32", "F16" ...), its PyTorch shape and,
/// for F32 tensors, its values in row-major (PyTorch) order (empty for other dtypes).
struct SafetensorsTensor {
  std::string dtype;
  std::vector<std::size_t> shape;
  std::vector<float> values;
};

/// The tensors of a safetensors file by name (sorted), and its `__metadata__`.
struct SafetensorsFile {
  std::map<std::string, SafetensorsTensor> tensors;
  std::map<std::string, std::string> metadata;
};

namespace detail {

/// Caps: header length (bytes) and file size read by read_safetensors.
inline constexpr std::uint64_t kSafetensorsMaxHeader = 100'000'000;
inline constexpr std::uintmax_t kSafetensorsMaxFileSize = std::uintmax_t{1} << 32;
/// At most this many dims per tensor (PyTorch's own limit is 64).
inline constexpr std::size_t kSafetensorsMaxDims = 64;

inline FormatError st_error(std::string_view file, const std::string& what) {
  return FormatError("safetensors file '" + std::string(file) + "': " + what);
}

inline FormatError st_tensor_error(std::string_view file, std::string_view tensor, const std::string& what) {
  return st_error(file, "tensor '" + std::string(tensor) + "': " + what);
}

/// Bytes per element of a safetensors dtype, 0 if the dtype is unknown.
inline std::size_t st_dtype_size(std::string_view dtype) noexcept {
  static constexpr std::pair<std::string_view, std::size_t> kSizes[] = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2},
      {"F16", 2},  {"BF16", 2}, {"I32", 4}, {"U32", 4},     {"F32", 4},     {"F64", 8}, {"I64", 8}, {"U64", 8}};
  for (const auto& [name, size] : kSizes)
    if (name == dtype) return size;
  return 0;
}

inline std::uint64_t st_read_u64_le(const std::byte* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint64_t>(p[i]);
  return v;
}

inline float st_read_f32_le(const std::byte* p) noexcept {
  const std::uint32_t u = std::to_integer<std::uint32_t>(p[0]) | (std::to_integer<std::uint32_t>(p[1]) << 8) |
                          (std::to_integer<std::uint32_t>(p[2]) << 16) | (std::to_integer<std::uint32_t>(p[3]) << 24);
  return std::bit_cast<float>(u);
}

inline void st_write_f32_le(float f, std::vector<std::byte>& out) {
  const auto u = std::bit_cast<std::uint32_t>(f);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::byte>((u >> (8 * i)) & 0xFF));
}

/// An unsigned JSON integer, or a FormatError naming the tensor and field.
inline std::uint64_t st_unsigned(const nlohmann::json& v, std::string_view file, std::string_view tensor,
                                 const std::string& field) {
  if (!v.is_number_unsigned())
    throw st_tensor_error(file, tensor, field + " = " + v.dump() + ", expected a non-negative integer");
  return v.get<std::uint64_t>();
}

inline std::string st_shape_string(std::span<const std::size_t> shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

/// Parses the JSON header; refuses nesting deeper than 3 and duplicate keys (which JSON
/// parsers resolve differently, so a file could mean different things to different readers).
inline nlohmann::json st_parse_header(std::string_view text, std::string_view file) {
  std::vector<std::set<std::string>> keys;  // keys seen per open object
  std::string duplicate;
  const nlohmann::json::parser_callback_t callback = [&](int depth, nlohmann::json::parse_event_t event,
                                                          nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (depth > 3) throw st_error(file, "header nests deeper than 3 levels");
    if (event == E::object_start) keys.emplace_back();
    if (event == E::object_end && !keys.empty()) keys.pop_back();
    if (event == E::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second)
      throw st_error(file, "header has the key '" + parsed.get<std::string>() + "' twice");
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true,
                                 /*ignore_comments=*/false);
  } catch (const nlohmann::json::exception& e) {
    throw st_error(file, std::string("header is not valid JSON (") + e.what() + ")");
  }
}

}  // namespace detail

/// Parses an in-memory safetensors file; `name` (e.g. the file name) is used in error
/// messages. Decodes F32 tensors; keeps other dtypes with their shape and no values.
/// \throws FormatError naming the file, the tensor and the field for any malformed or
///   inconsistent content (see the file comment for the checks).
[[nodiscard]] inline SafetensorsFile parse_safetensors(std::span<const std::byte> bytes,
                                                       std::string_view name = "<memory>") {
  using detail::st_error;
  using detail::st_tensor_error;
  if (bytes.size() < 8)
    throw st_error(name, "file has " + std::to_string(bytes.size()) + " bytes, expected at least 8 (header length)");
  const std::uint64_t header_len = detail::st_read_u64_le(bytes.data());
  if (header_len > detail::kSafetensorsMaxHeader)
    throw st_error(name, "header length = " + std::to_string(header_len) + ", above the limit of " +
                             std::to_string(detail::kSafetensorsMaxHeader) + " bytes");
  if (header_len > bytes.size() - 8)
    throw st_error(name, "header length = " + std::to_string(header_len) + " but only " +
                             std::to_string(bytes.size() - 8) + " bytes follow the length field");
  if (header_len < 2) throw st_error(name, "header length = " + std::to_string(header_len) + ", expected >= 2");
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + 8), static_cast<std::size_t>(header_len));
  if (text.front() != '{') throw st_error(name, "header does not start with '{'");
  // nlohmann-json stops at a NUL byte as if the text ended there; refuse it, or
  // "{...}\0anything" would be accepted.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos)
    throw st_error(name, "header has a NUL byte at offset " + std::to_string(nul));
  const nlohmann::json header = detail::st_parse_header(text, name);
  if (!header.is_object()) throw st_error(name, "header is not a JSON object");

  const std::span<const std::byte> data = bytes.subspan(8 + static_cast<std::size_t>(header_len));
  SafetensorsFile out;
  struct Extent {
    std::uint64_t begin, end;
    const std::string* tensor;
  };
  std::vector<Extent> extents;
  for (const auto& [key, entry] : header.items()) {
    if (key == "__metadata__") {
      if (!entry.is_object()) throw st_error(name, "__metadata__ is not a JSON object");
      for (const auto& [mk, mv] : entry.items()) {
        if (!mv.is_string())
          throw st_error(name, "__metadata__['" + mk + "'] = " + mv.dump() + ", expected a string");
        out.metadata.emplace(mk, mv.get<std::string>());
      }
      continue;
    }
    // An empty name cannot be a parameter and cannot be written back (fuzzing finding).
    if (key.empty()) throw st_error(name, "a tensor has an empty name");
    if (!entry.is_object()) throw st_tensor_error(name, key, "entry is not a JSON object");
    for (const auto& [field, value] : entry.items()) {
      (void)value;
      if (field != "dtype" && field != "shape" && field != "data_offsets")
        throw st_tensor_error(name, key, "unknown field '" + field + "' (expected dtype, shape, data_offsets)");
    }
    for (const char* field : {"dtype", "shape", "data_offsets"})
      if (!entry.contains(field)) throw st_tensor_error(name, key, std::string("field '") + field + "' is missing");
    const auto& dtype_json = entry["dtype"];
    if (!dtype_json.is_string()) throw st_tensor_error(name, key, "dtype = " + dtype_json.dump() + ", expected a string");
    SafetensorsTensor t;
    t.dtype = dtype_json.get<std::string>();
    const std::size_t elem = detail::st_dtype_size(t.dtype);
    if (elem == 0) throw st_tensor_error(name, key, "unknown dtype '" + t.dtype + "'");
    const auto& shape_json = entry["shape"];
    if (!shape_json.is_array()) throw st_tensor_error(name, key, "shape = " + shape_json.dump() + ", expected an array");
    if (shape_json.size() > detail::kSafetensorsMaxDims)
      throw st_tensor_error(name, key, "shape has " + std::to_string(shape_json.size()) + " dims, expected <= " +
                                           std::to_string(detail::kSafetensorsMaxDims));
    // Element count with overflow checks; bounded by the data buffer below, so any
    // allocation is at most the file size.
    std::uint64_t count = 1;
    bool overflow = false;
    for (std::size_t i = 0; i < shape_json.size(); ++i) {
      const std::uint64_t d = detail::st_unsigned(shape_json[i], name, key, "shape[" + std::to_string(i) + "]");
      if (d > std::numeric_limits<std::size_t>::max())
        throw st_tensor_error(name, key, "shape[" + std::to_string(i) + "] = " + std::to_string(d) + " is too large");
      t.shape.push_back(static_cast<std::size_t>(d));
      if (d != 0 && count > std::numeric_limits<std::uint64_t>::max() / d) overflow = true;
      count *= d;
    }
    if (!overflow && count > std::numeric_limits<std::uint64_t>::max() / elem) overflow = true;
    const auto& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2)
      throw st_tensor_error(name, key, "data_offsets = " + offsets.dump() + ", expected [begin, end]");
    const std::uint64_t begin = detail::st_unsigned(offsets[0], name, key, "data_offsets[0]");
    const std::uint64_t end = detail::st_unsigned(offsets[1], name, key, "data_offsets[1]");
    if (begin > end)
      throw st_tensor_error(name, key, "data_offsets = [" + std::to_string(begin) + ", " + std::to_string(end) +
                                           "], begin > end");
    if (end > data.size())
      throw st_tensor_error(name, key, "data_offsets end = " + std::to_string(end) + " is past the data buffer (" +
                                           std::to_string(data.size()) + " bytes)");
    if (overflow || count * elem != end - begin)
      throw st_tensor_error(name, key, "shape " + detail::st_shape_string(t.shape) + " of " + t.dtype + " needs " +
                                           (overflow ? std::string("more than 2^64") : std::to_string(count * elem)) +
                                           " bytes, data_offsets [" + std::to_string(begin) + ", " +
                                           std::to_string(end) + "] hold " + std::to_string(end - begin));
    if (t.dtype == "F32") {
      t.values.resize(static_cast<std::size_t>(count));
      const std::byte* p = data.data() + begin;
      for (std::size_t i = 0; i < t.values.size(); ++i) t.values[i] = detail::st_read_f32_le(p + 4 * i);
    }
    const auto [it, inserted] = out.tensors.emplace(key, std::move(t));
    (void)inserted;  // duplicate keys were refused by the header parser
    extents.push_back({begin, end, &it->first});
  }
  // The tensors must tile the data buffer: sorted by begin, each starts where the
  // previous ends, and the last ends at the end of the file.
  std::sort(extents.begin(), extents.end(), [](const Extent& a, const Extent& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t pos = 0;
  for (const auto& e : extents) {
    if (e.begin != pos)
      throw st_tensor_error(name, *e.tensor, "data_offsets begin = " + std::to_string(e.begin) + ", expected " +
                                                 std::to_string(pos) + (e.begin < pos ? " (overlaps another tensor)"
                                                                                      : " (hole in the data buffer)"));
    pos = e.end;
  }
  if (pos != data.size())
    throw st_error(name, "the tensors cover " + std::to_string(pos) + " bytes of the data buffer, which has " +
                             std::to_string(data.size()) + " (trailing bytes)");
  return out;
}

/// Reads and parses the safetensors file at `path` (symbolic links are followed).
/// \throws IoError if it is missing, not a regular file or cannot be read; FormatError if
///   it is larger than 4 GiB, or as parse_safetensors.
[[nodiscard]] inline SafetensorsFile read_safetensors(const std::filesystem::path& path) {
  const auto bytes = detail::read_file_bytes(path, "read_safetensors", detail::kSafetensorsMaxFileSize, [&](auto size) {
    return detail::st_error(path.string(), std::to_string(size) + " bytes, above the limit of " +
                                               std::to_string(detail::kSafetensorsMaxFileSize) + " bytes");
  });
  return parse_safetensors(std::as_bytes(std::span(bytes)), path.string());
}

/// Serializes F32 tensors (values in row-major order, matching each shape) and metadata
/// into the bytes of a safetensors file. Tensors are written in name order; the header is
/// padded with spaces to a multiple of 8 bytes, as the reference implementation does.
/// \throws ShapeError if a tensor's values do not match its shape; ConfigError if a
///   tensor is not F32 or a name is empty or "__metadata__".
[[nodiscard]] inline std::vector<std::byte> serialize_safetensors(const SafetensorsFile& file) {
  nlohmann::json header = nlohmann::json::object();
  std::uint64_t offset = 0;
  for (const auto& [name, t] : file.tensors) {
    if (name.empty() || name == "__metadata__")
      throw ConfigError("serialize_safetensors: tensor name '" + name + "' is not allowed");
    if (t.dtype != "F32")
      throw ConfigError("serialize_safetensors: tensor '" + name + "' has dtype '" + t.dtype + "', only F32 is written");
    std::size_t count = 1;
    for (std::size_t d : t.shape) count *= d;
    if (count != t.values.size())
      throw ShapeError("serialize_safetensors: tensor '" + name + "' has shape " + detail::st_shape_string(t.shape) +
                       " but " + std::to_string(t.values.size()) + " values");
    const std::uint64_t bytes = 4 * static_cast<std::uint64_t>(count);
    header[name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::vector<std::byte> out;
  out.reserve(8 + text.size() + static_cast<std::size_t>(offset));
  const std::uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::byte>((n >> (8 * i)) & 0xFF));
  for (char c : text) out.push_back(static_cast<std::byte>(c));
  for (const auto& [name, t] : file.tensors)
    for (float v : t.values) detail::st_write_f32_le(v, out);
  return out;
}

/// Writes `file` to `path` (via a temporary file in the same directory, renamed into
/// place, so an existing file is never left half-written).
/// \throws IoError if the file cannot be written; as serialize_safetensors.
inline void write_safetensors(const SafetensorsFile& file, const std::filesystem::path& path) {
  const std::vector<std::byte> bytes = serialize_safetensors(file);
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError("write_safetensors: cannot create '" + tmp.string() + "'");
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw IoError("write_safetensors: cannot write '" + tmp.string() + "'");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw IoError("write_safetensors: cannot rename '" + tmp.string() + "' to '" + path.string() + "'");
  }
}

}  // namespace dualspike
