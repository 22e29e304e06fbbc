#pragma once
/// \file parameter.hpp
/// A non-owning view of one trainable tensor, as the optimizer, initializer and
/// serializer see it. Names follow PyTorch's state_dict ("0.weight", "2.bias").
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace dualspike {

/// One parameter tensor: a name and its contiguous storage (column-major for matrices).
struct ParameterRef {
  std::string name;
  std::span<float> values;
};

/// All parameters of a network, in layer order.
using ParameterList = std::vector<ParameterRef>;

}  // namespace dualspike
