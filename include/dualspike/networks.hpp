#pragma once
/// \file networks.hpp
/// Ready-made networks of the paper (Table 1), with stReLU (Vth = 1) or any other hidden
/// activation.
/// Inputs: MNIST / Fashion-MNIST pixels scaled to [0, 1] (1 x 28 x 28); CIFAR-10 images
/// (3 x 32 x 32, CHW), as loaded or after the per-channel normalization of data/augment.hpp.
#include "activations/threshold.hpp"
#include "core/shape.hpp"
#include "layers/avg_pool2d.hpp"
#include "layers/batch_norm.hpp"
#include "layers/conv2d.hpp"
#include "layers/dense.hpp"
#include "layers/dropout.hpp"
#include "layers/flatten.hpp"
#include "network/sequential.hpp"

#include <cstddef>
#include <tuple>

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

/// Net3 with dropout for training (p = 0.2 on the input, 0.5 on the hidden layer by
/// default); `to_snn` gives the same SNN type as Net3.
template <class Act>
using Net3DropoutOf = Sequential<Input<Shape<784>>, Dropout<std::ratio<1, 5>>, Dense<6400>, Act, Dropout<>, Dense<10>>;

/// Fashion-MNIST Net4: 32c5-p2-64c5-p2-1024-10.
template <class Act>
using Net4Of = Sequential<Input<Shape<1, 28, 28>>, Conv2d<32, 5>, Act, AvgPool2d<2>, Conv2d<64, 5>, Act, AvgPool2d<2>,
                          Flatten, Dense<1024>, Act, Dense<10>>;

/// Net4 with dropout for training after the hidden dense layer's activation (p = 0.5 by
/// default; no input dropout); `to_snn` gives the same SNN type as Net4.
template <class Act>
using Net4DropoutOf = Sequential<Input<Shape<1, 28, 28>>, Conv2d<32, 5>, Act, AvgPool2d<2>, Conv2d<64, 5>, Act,
                                 AvgPool2d<2>, Flatten, Dense<1024>, Act, Dropout<>, Dense<10>>;

using Net1 = Net1Of<StReLU<>>;
using Net1Dropout = Net1DropoutOf<StReLU<>>;
using Net2 = Net2Of<StReLU<>>;
using Net3 = Net3Of<StReLU<>>;
using Net3Dropout = Net3DropoutOf<StReLU<>>;
using Net4 = Net4Of<StReLU<>>;
using Net4Dropout = Net4DropoutOf<StReLU<>>;

/// One VGG block: a 3x3 convolution with padding 1 and `C` output channels, BatchNorm,
/// stReLU (the paper adds BatchNorm before each activation of the feature extractor).
template <std::size_t C>
using VggConv = std::tuple<Conv2d<C, 3, 1, 1>, BatchNorm, StReLU<>>;

namespace detail {
template <class... Parts>
struct vgg_concat;
template <class... Done>
struct vgg_concat<std::tuple<Done...>> {
  using type = Sequential<Done...>;
};
template <class... Done, class... Items, class... Rest>
struct vgg_concat<std::tuple<Done...>, std::tuple<Items...>, Rest...> {
  using type = typename vgg_concat<std::tuple<Done..., Items...>, Rest...>::type;
};
template <class... Done, class Layer, class... Rest>
struct vgg_concat<std::tuple<Done...>, Layer, Rest...> {
  using type = typename vgg_concat<std::tuple<Done..., Layer>, Rest...>::type;
};
}  // namespace detail

/// Sequential of the given layers and VggConv blocks, the blocks spliced in.
template <class... Parts>
using VggSequential = typename detail::vgg_concat<std::tuple<>, Parts...>::type;

/// CIFAR-10 Net5 scaled to width W: Wc3-Wc3-p2-2Wc3-2Wc3-p2-4Wc3-4Wc3-p2-8W-10 (3x3
/// convolutions with padding 1, each followed by BatchNorm and stReLU; 2x2 average
/// pooling; the hidden dense layer is followed by stReLU only, BatchNorm being in the
/// feature extractor). Input 3 x 32 x 32; after three poolings 4W x 4 x 4 features.
template <std::size_t W>
using Net5Width = VggSequential<Input<Shape<3, 32, 32>>, VggConv<W>, VggConv<W>, AvgPool2d<2>, VggConv<2 * W>,
                                VggConv<2 * W>, AvgPool2d<2>, VggConv<4 * W>, VggConv<4 * W>, AvgPool2d<2>, Flatten,
                                Dense<8 * W>, StReLU<>, Dense<10>>;

/// CIFAR-10 Net5 of Table 1: 128c3-128c3-p2-256c3-256c3-p2-512c3-512c3-p2-1024-10
/// (8192 features into the 1024-unit dense layer).
using Net5 = Net5Width<128>;

/// Net5 with a quarter of the channels (32-32-64-64-128-128, dense 256): about 1/16 of
/// Net5's multiply-accumulates, for training on a few CPU cores.
using Net5Narrow = Net5Width<32>;

/// CIFAR-10 VGG16 (Net6 of Table 1, Simonyan & Zisserman's configuration D): 13 3x3
/// convolutions with padding 1 (64-64-p-128-128-p-256x3-p-512x3-p-512x3-p), each with
/// BatchNorm and stReLU, 2x2 average pooling; after five poolings 512 x 1 x 1 features;
/// classifier 512-512-10 (Dense<512>, stReLU, Dense<10>). With this head the network has
/// 313.46 M multiply-accumulates per image, Table 5's 313.48 M for Net6; a single
/// 512 -> 10 layer gives 313.20 M and ImageNet's 4096-4096 head 332 M (docs/networks.md).
using VGG16 = VggSequential<Input<Shape<3, 32, 32>>, VggConv<64>, VggConv<64>, AvgPool2d<2>, VggConv<128>,
                            VggConv<128>, AvgPool2d<2>, VggConv<256>, VggConv<256>, VggConv<256>, AvgPool2d<2>,
                            VggConv<512>, VggConv<512>, VggConv<512>, AvgPool2d<2>, VggConv<512>, VggConv<512>,
                            VggConv<512>, AvgPool2d<2>, Flatten, Dense<512>, StReLU<>, Dense<10>>;
using Net6 = VGG16;

}  // namespace dualspike::nets
