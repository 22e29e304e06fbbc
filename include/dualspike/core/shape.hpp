#pragma once
/// \file shape.hpp
/// Compile-time tensor shapes (channels x height x width, PyTorch's CHW order) and the
/// activation matrix type. Activations are `features x batch` column-major matrices:
/// column j is sample j of the batch, features are laid out in CHW order.
#include <cstddef>
#include <type_traits>

#include <Eigen/Core>

namespace dualspike {

/// Activation matrix: rows = features (CHW order), columns = samples (batch dimension).
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
/// Column vector (one value per feature), e.g. a bias.
using Vector = Eigen::Matrix<float, Eigen::Dynamic, 1>;

/// A compile-time CHW shape. `Shape<784>` is a flat vector of 784 features.
template <std::size_t C, std::size_t H = 1, std::size_t W = 1>
struct Shape {
  static_assert(C > 0 && H > 0 && W > 0, "dualspike::Shape: every dimension must be > 0");
  static constexpr std::size_t channels = C;
  static constexpr std::size_t height = H;
  static constexpr std::size_t width = W;
  /// Number of features of one sample (C*H*W).
  static constexpr std::size_t size = C * H * W;
};

namespace detail {
template <class T>
struct is_shape : std::false_type {};
template <std::size_t C, std::size_t H, std::size_t W>
struct is_shape<Shape<C, H, W>> : std::true_type {};
}  // namespace detail

/// Satisfied by `Shape<C, H, W>`.
template <class T>
concept ShapeType = detail::is_shape<T>::value;

}  // namespace dualspike
