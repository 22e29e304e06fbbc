#pragma once
/// \file networks.hpp
/// Ready-made networks of the paper (Table 1), with stReLU (Vth = 1) hidden activations.
/// Inputs are pixels scaled to [0, 1] (MNIST / Fashion-MNIST, 1 x 28 x 28).
#include "activations/threshold.hpp"
#include "core/shape.hpp"
#include "layers/avg_pool2d.hpp"
#include "layers/conv2d.hpp"
#include "layers/dense.hpp"
#include "layers/dropout.hpp"
#include "layers/flatten.hpp"
#include "network/sequential.hpp"

namespace dualspike::nets {

/// MNIST Net1: 784-1200-1200-10 (paper Table 1), stReLU after both hidden layers.
using Net1 = Sequential<Input<Shape<784>>, Dense<1200>, StReLU<>, Dense<1200>, StReLU<>, Dense<10>>;

/// Net1 with dropout for training (p = 0.2 on the input, 0.5 on the hidden layers by
/// default, the recipe of Diehl et al. 2015 for this architecture). Dropout is the
/// identity at inference and vanishes in the SNN: `to_snn` gives the same SNN type as Net1.
using Net1Dropout = Sequential<Input<Shape<784>>, Dropout<std::ratio<1, 5>>, Dense<1200>, StReLU<>, Dropout<>,
                               Dense<1200>, StReLU<>, Dropout<>, Dense<10>>;

/// MNIST Net2: 12c5-p2-64c5-p2-10 (Table 1): 5x5 convolutions with 12 and 64 channels,
/// each followed by stReLU and 2x2 average pooling, then a 1024 -> 10 dense readout.
using Net2 = Sequential<Input<Shape<1, 28, 28>>, Conv2d<12, 5>, StReLU<>, AvgPool2d<2>, Conv2d<64, 5>, StReLU<>,
                        AvgPool2d<2>, Flatten, Dense<10>>;

/// Fashion-MNIST Net3: 6400-10 (Table 1): one hidden layer of 6400 stReLU units.
using Net3 = Sequential<Input<Shape<784>>, Dense<6400>, StReLU<>, Dense<10>>;

/// Fashion-MNIST Net4: 32c5-p2-64c5-p2-1024-10 (Table 1).
using Net4 = Sequential<Input<Shape<1, 28, 28>>, Conv2d<32, 5>, StReLU<>, AvgPool2d<2>, Conv2d<64, 5>, StReLU<>,
                        AvgPool2d<2>, Flatten, Dense<1024>, StReLU<>, Dense<10>>;

}  // namespace dualspike::nets
