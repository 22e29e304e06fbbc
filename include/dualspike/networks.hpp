#pragma once
/// \file networks.hpp
/// Ready-made networks of the paper (Table 1), with stReLU (Vth = 1) or any other hidden
/// activation.
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

/// The paper's networks (Table 1) with any hidden activation `Act` (a layer spec such as
/// `StReLU<>`, `TReLU<>`, `AtLeakyReLU<>`, `ReLU`): the ablation of Table 4 trains each
/// with every activation. `Net1` ... `Net4` below are the paper's, with stReLU (Vth = 1).

/// MNIST Net1: 784-1200-1200-10.
template <class Act>
using Net1Of = Sequential<Input<Shape<784>>, Dense<1200>, Act, Dense<1200>, Act, Dense<10>>;

/// Net1 with dropout for training (p = 0.2 on the input, 0.5 on the hidden layers by
/// default, the recipe of Diehl et al. 2015 for this architecture). Dropout is the
/// identity at inference and vanishes in the SNN: `to_snn` gives the same SNN type as Net1.
template <class Act>
using Net1DropoutOf = Sequential<Input<Shape<784>>, Dropout<std::ratio<1, 5>>, Dense<1200>, Act, Dropout<>,
                                 Dense<1200>, Act, Dropout<>, Dense<10>>;

/// MNIST Net2: 12c5-p2-64c5-p2-10: 5x5 convolutions with 12 and 64 channels, each followed
/// by the activation and 2x2 average pooling, then a 1024 -> 10 dense readout.
template <class Act>
using Net2Of = Sequential<Input<Shape<1, 28, 28>>, Conv2d<12, 5>, Act, AvgPool2d<2>, Conv2d<64, 5>, Act, AvgPool2d<2>,
                          Flatten, Dense<10>>;

/// Fashion-MNIST Net3: 6400-10: one hidden layer of 6400 units.
template <class Act>
using Net3Of = Sequential<Input<Shape<784>>, Dense<6400>, Act, Dense<10>>;

/// Fashion-MNIST Net4: 32c5-p2-64c5-p2-1024-10.
template <class Act>
using Net4Of = Sequential<Input<Shape<1, 28, 28>>, Conv2d<32, 5>, Act, AvgPool2d<2>, Conv2d<64, 5>, Act, AvgPool2d<2>,
                          Flatten, Dense<1024>, Act, Dense<10>>;

using Net1 = Net1Of<StReLU<>>;
using Net1Dropout = Net1DropoutOf<StReLU<>>;
using Net2 = Net2Of<StReLU<>>;
using Net3 = Net3Of<StReLU<>>;
using Net4 = Net4Of<StReLU<>>;

}  // namespace dualspike::nets
