#pragma once
/// \file safetensors.hpp
/// Weights of a network in and out in the safetensors format (the format itself:
/// io/safetensors_file.hpp), under PyTorch's state_dict names ("0.weight", "0.bias", ...).
///
/// Shapes and layout: files hold PyTorch shapes in PyTorch order. A Dense weight is
/// `[out, in]`; dualspike stores it as an Eigen column-major `out x in` matrix, so it is
/// transposed on the way in and out: after loading, `layer.weight(o, i) ==
/// torch_weight[o][i]`. A Conv2d weight is `[OC, C, K, K]` (stored in that order already);
/// BatchNorm's weight, bias, running_mean and running_var are `[C]`.

#include <cstddef>
#include <filesystem>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/errors.hpp"
#include "../core/parameter.hpp"
#include "../layers/batch_norm.hpp"
#include "../layers/conv2d.hpp"
#include "../layers/dense.hpp"
#include "safetensors_file.hpp"

namespace dualspike {

/// How a parameter tensor is laid out: its PyTorch `shape`, and `stored_rows`: 0 if the
/// flat storage is in PyTorch's row-major order; r > 0 if it is a column-major `r x
/// (size / r)` matrix whose row-major flattening is PyTorch's order (a Dense weight:
/// r = out).
struct TensorLayout {
  std::vector<std::size_t> shape;
  std::size_t stored_rows = 0;
};

/// The tensor layout of every parameter of one layer, in `append_parameters` order.
/// Layers may provide `parameter_layouts()` themselves; Dense is known here; a layer
/// without parameters needs nothing.
template <class Layer>
[[nodiscard]] std::vector<TensorLayout> parameter_layouts(const Layer& layer) {
  if constexpr (requires { layer.parameter_layouts(); }) {
    return layer.parameter_layouts();
  } else {
    return {};
  }
}
template <std::size_t In, std::size_t Out>
[[nodiscard]] std::vector<TensorLayout> parameter_layouts(const DenseLayer<In, Out>& /*layer*/) {
  return {TensorLayout{{Out, In}, Out}, TensorLayout{{Out}, 0}};
}
/// Conv2d: `(C*K*K) x OC` column-major is PyTorch's `[OC, C, K, K]` row-major as it is.
template <ShapeType S, std::size_t OC, std::size_t K, std::size_t Stride, std::size_t Pad>
[[nodiscard]] std::vector<TensorLayout> parameter_layouts(const Conv2dLayer<S, OC, K, Stride, Pad>& /*layer*/) {
  return {TensorLayout{{OC, S::channels, K, K}, 0}, TensorLayout{{OC}, 0}};
}
/// BatchNorm: gamma and beta, one per channel (the running statistics are buffers).
template <ShapeType S>
[[nodiscard]] std::vector<TensorLayout> parameter_layouts(const BatchNormLayer<S>& /*layer*/) {
  return {TensorLayout{{S::channels}, 0}, TensorLayout{{S::channels}, 0}};
}

namespace detail {

/// Parameters and their layouts for a network with `num_layers` and `get<I>()`
/// (Sequential). \throws ConfigError if a layer has parameters but no known layout.
template <class Net>
std::pair<ParameterList, std::vector<TensorLayout>> st_parameters(Net& net, const char* where) {
  ParameterList params;
  std::vector<TensorLayout> layouts;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          auto& layer = net.template get<I>();
          const std::size_t first = params.size();
          layer.append_parameters(params, std::to_string(I) + ".");
          std::vector<TensorLayout> l = parameter_layouts(layer);
          if (l.size() != params.size() - first)
            throw ConfigError(std::string(where) + ": layer " + std::to_string(I) + " has " +
                              std::to_string(params.size() - first) + " parameter tensors" +
                              (params.size() > first ? " (first '" + params[first].name + "')" : std::string()) +
                              " but " + std::to_string(l.size()) +
                              " known tensor layouts; give the layer a parameter_layouts() member");
          layouts.insert(layouts.end(), l.begin(), l.end());
        }(),
        ...);
  }(std::make_index_sequence<Net::num_layers>{});
  // Non-trainable state (BatchNorm running statistics), when the network has any: one
  // value per channel, stored as PyTorch does.
  if constexpr (requires { net.buffers(); }) {
    for (auto& b : net.buffers()) {
      layouts.push_back(TensorLayout{{b.values.size()}, 0});
      params.push_back(std::move(b));
    }
  }
  for (std::size_t k = 0; k < params.size(); ++k) {
    std::size_t count = 1;
    for (std::size_t d : layouts[k].shape) count *= d;
    if (count != params[k].values.size() ||
        (layouts[k].stored_rows != 0 && count % layouts[k].stored_rows != 0))
      throw ShapeError(std::string(where) + ": parameter '" + params[k].name + "' has " +
                       std::to_string(params[k].values.size()) + " values, its layout says " +
                       st_shape_string(layouts[k].shape));
  }
  return {std::move(params), std::move(layouts)};
}

}  // namespace detail

/// Copies parameter storage into PyTorch's row-major order (see TensorLayout).
inline std::vector<float> to_row_major(std::span<const float> stored, const TensorLayout& layout) {
  std::vector<float> out(stored.begin(), stored.end());
  if (layout.stored_rows != 0 && !stored.empty()) {
    const std::size_t rows = layout.stored_rows, cols = stored.size() / rows;
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) out[r * cols + c] = stored[c * rows + r];
  }
  return out;
}

/// Copies PyTorch row-major values into parameter storage order (see TensorLayout).
inline void from_row_major(std::span<const float> row_major, const TensorLayout& layout, std::span<float> stored) {
  if (layout.stored_rows == 0 || row_major.empty()) {
    std::copy(row_major.begin(), row_major.end(), stored.begin());
    return;
  }
  const std::size_t rows = layout.stored_rows, cols = row_major.size() / rows;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) stored[c * rows + r] = row_major[r * cols + c];
}

/// Saves every parameter (and buffer, see `buffers()`) of `net` (a Sequential) to `path`
/// under its PyTorch state_dict name and shape, readable by `safetensors.torch.load_file` and `model.load_state_dict`.
/// `metadata` goes to `__metadata__` (default {"format": "pt"}).
/// \throws IoError if the file cannot be written; ConfigError if a layer's parameter
///   layout is unknown.
template <class Net>
void save_safetensors(Net& net, const std::filesystem::path& path,
                      std::map<std::string, std::string> metadata = {{"format", "pt"}}) {
  auto [params, layouts] = detail::st_parameters(net, "save_safetensors");
  SafetensorsFile file;
  file.metadata = std::move(metadata);
  for (std::size_t k = 0; k < params.size(); ++k)
    file.tensors[params[k].name] = SafetensorsTensor{"F32", layouts[k].shape, to_row_major(params[k].values, layouts[k])};
  write_safetensors(file, path);
}

/// Loads every parameter (and buffer, see `buffers()`) of `net` (a Sequential) from a
/// parsed safetensors file; `name` (e.g. the file name) is used in error messages.
/// Strict, like `load_state_dict`: every parameter must be present with its PyTorch shape
/// and dtype F32, and the file must hold no other tensor, except BatchNorm's scalar
/// `*.num_batches_tracked` counters, which are ignored. All or nothing: on any error the
/// network is left unchanged.
/// \throws FormatError naming the tensor if one is not F32; ShapeError naming the tensor
///   if one is missing, unexpected or of the wrong shape; ConfigError (from
///   `net.validate()`) if a loaded value is NaN or infinite.
template <class Net>
void load_safetensors(Net& net, const SafetensorsFile& file, std::string_view name) {
  auto [params, layouts] = detail::st_parameters(net, "load_safetensors");
  const std::string where = "load_safetensors: file '" + std::string(name) + "': ";
  std::set<std::string> expected;
  std::vector<std::vector<float>> staged(params.size());
  for (std::size_t k = 0; k < params.size(); ++k) {
    const auto& p = params[k];
    expected.insert(p.name);
    const auto it = file.tensors.find(p.name);
    if (it == file.tensors.end())
      throw ShapeError(where + "tensor '" + p.name + "' is missing (expected shape " +
                       detail::st_shape_string(layouts[k].shape) + ")");
    const SafetensorsTensor& t = it->second;
    if (t.dtype != "F32")
      throw detail::st_tensor_error(name, p.name, "dtype " + t.dtype + ", expected F32 (convert with .float() before saving)");
    if (t.shape != layouts[k].shape || t.values.size() != p.values.size())
      throw ShapeError(where + "tensor '" + p.name + "' has shape " + detail::st_shape_string(t.shape) +
                       ", expected " + detail::st_shape_string(layouts[k].shape));
    staged[k].resize(p.values.size());
    from_row_major(t.values, layouts[k], staged[k]);
  }
  for (const auto& [tensor, t] : file.tensors)
    if (!expected.count(tensor) && !(tensor.ends_with(".num_batches_tracked") && t.shape.empty()))
      throw ShapeError(where + "unexpected tensor '" + tensor + "' (shape " + detail::st_shape_string(t.shape) +
                       "): the network has no such parameter");
  std::vector<std::vector<float>> backup(params.size());
  for (std::size_t k = 0; k < params.size(); ++k) {
    backup[k].assign(params[k].values.begin(), params[k].values.end());
    std::copy(staged[k].begin(), staged[k].end(), params[k].values.begin());
  }
  try {
    net.validate();
  } catch (...) {
    for (std::size_t k = 0; k < params.size(); ++k) std::copy(backup[k].begin(), backup[k].end(), params[k].values.begin());
    throw;
  }
}

/// Loads every parameter (and buffer) of `net` (a Sequential) from the safetensors file at
/// `path` (e.g. `safetensors.torch.save_file(model.state_dict(), path)` of the same
/// architecture); see the overload above for the rules. All or nothing.
/// \throws IoError / FormatError as read_safetensors; otherwise as the overload above.
template <class Net>
void load_safetensors(Net& net, const std::filesystem::path& path) {
  load_safetensors(net, read_safetensors(path), path.string());
}

}  // namespace dualspike
