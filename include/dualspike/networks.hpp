#pragma once
/// \file networks.hpp
/// Ready-made networks of the paper (Table 1), with stReLU (Vth = 1) hidden activations.
#include "activations/threshold.hpp"
#include "core/shape.hpp"
#include "layers/dense.hpp"
#include "layers/dropout.hpp"
#include "network/sequential.hpp"

namespace dualspike::nets {

/// MNIST Net1: 784-1200-1200-10 (paper Table 1), stReLU after both hidden layers.
using Net1 = Sequential<Input<Shape<784>>, Dense<1200>, StReLU<>, Dense<1200>, StReLU<>, Dense<10>>;

/// Net1 with dropout for training (p = 0.2 on the input, 0.5 on the hidden layers by
/// default, the recipe of Diehl et al. 2015 for this architecture). Dropout is the
/// identity at inference and vanishes in the SNN: `to_snn` gives the same SNN type as Net1.
using Net1Dropout = Sequential<Input<Shape<784>>, Dropout<std::ratio<1, 5>>, Dense<1200>, StReLU<>, Dropout<>,
                               Dense<1200>, StReLU<>, Dropout<>, Dense<10>>;

}  // namespace dualspike::nets
