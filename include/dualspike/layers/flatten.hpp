#pragma once
/// \file flatten.hpp
/// Flatten (PyTorch `nn.Flatten`): `C x H x W` -> `C*H*W` in channel-major CHW order, as
/// PyTorch flattens. Activations are already stored in CHW order, so only the shape type
/// changes; the data are copied as they are.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "../core/parameter.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"
#include "../network/spiking_layer.hpp"

namespace dualspike {

/// Concrete flatten of shape `S` into `Shape<S::size>`: feature `(c*H + y)*W + x` of the
/// output is `x[c, y, x]` of the input. No parameters.
template <ShapeType S>
class FlattenLayer : public detail::StatelessSpiking<FlattenLayer<S>, pass_through_role> {
 public:
  using input_shape = S;
  using output_shape = Shape<S::size>;

  void forward(const Matrix& x, Matrix& y) const { y = x; }
  /// dx = dy (`dx` may be `&dy`).
  void backward(const Matrix& /*x*/, const Matrix& /*y*/, const Matrix& dy, Matrix* dx, FlattenLayer& /*grad*/) const {
    if (dx != nullptr) *dx = dy;
  }

  void init(Rng& /*rng*/) noexcept {}
  void append_parameters(ParameterList& /*list*/, const std::string& /*prefix*/) noexcept {}
  void validate(const std::string& /*prefix*/) const noexcept {}
  [[nodiscard]] static constexpr std::size_t macs() noexcept { return 0; }
  [[nodiscard]] static constexpr double fan_out() noexcept { return 1.0; }
  /// Exact SOP counting: each input is the output of the same index (a copy).
  static void fan_out_paths(std::span<const std::uint64_t> per_output, std::span<std::uint64_t> per_input) noexcept {
    std::copy(per_output.begin(), per_output.end(), per_input.begin());
  }

};

/// Layer spec: `Flatten` (no arguments).
struct Flatten {
  template <ShapeType In>
  using bind = FlattenLayer<In>;
};

}  // namespace dualspike
