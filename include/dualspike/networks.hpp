#pragma once
/// \file networks.hpp
/// Ready-made networks of the paper (Table 1), with stReLU (Vth = 1) hidden activations.
#include "activations/threshold.hpp"
#include "core/shape.hpp"
#include "layers/dense.hpp"
#include "network/sequential.hpp"

namespace dualspike::nets {

/// MNIST Net1: 784-1200-1200-10 (paper Table 1), stReLU after both hidden layers.
using Net1 = Sequential<Input<Shape<784>>, Dense<1200>, StReLU<>, Dense<1200>, StReLU<>, Dense<10>>;

}  // namespace dualspike::nets
