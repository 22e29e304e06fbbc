#pragma once
/// \file snn_counterpart.hpp
/// The ANN -> SNN map of one layer, as a trait specialized here for every built-in layer,
/// so that layers/ and activations/ need not know the neurons. A new ANN layer converts
/// once `snn_counterpart` is specialized for it (one header of its own will do):
///
///     template <class Firing> struct snn_counterpart<MyLayer, Firing> {
///       using type = MySpikingLayer;                       // void: the layer vanishes
///       static type convert(const MyLayer& layer);         // weights copied or derived
///       static constexpr bool needs_data_norm = false;     // optional (ReLU: true)
///     };
///
/// `Firing` is the firing rule of the neurons (PaperFiring, RoundingFiring); synapses
/// ignore it. A layer without a specialization has no spiking counterpart, and `to_snn`
/// refuses it at compile time.
///
/// `data_norm_rescale<L>` says how data-based normalization rescales an SNN synapse:
/// `weighted` (its weights scale, Dense / Conv2d) and `apply(layer, weight_factor,
/// bias_factor)`. Every synapse of a network converted with data-based normalization needs
/// one (AvgPool2d and Flatten have no parameters: `weighted = false`).
#include <cstddef>
#include <type_traits>

#include "../activations/threshold.hpp"
#include "../core/shape.hpp"
#include "../layers/avg_pool2d.hpp"
#include "../layers/conv2d.hpp"
#include "../layers/dense.hpp"
#include "../layers/dropout.hpp"
#include "../layers/flatten.hpp"
#include "../neurons/if_neuron.hpp"

namespace dualspike {

/// No specialization: the layer has no exact spiking counterpart.
template <class L, class Firing>
struct snn_counterpart {};

namespace detail {
/// A layer that carries over to the SNN unchanged (the same type, the same weights).
template <class L>
struct same_in_snn {
  using type = L;
  static const L& convert(const L& layer) noexcept { return layer; }
};
}  // namespace detail

template <std::size_t In, std::size_t Out, class F>
struct snn_counterpart<DenseLayer<In, Out>, F> : detail::same_in_snn<DenseLayer<In, Out>> {};
template <ShapeType S, std::size_t OC, std::size_t K, std::size_t St, std::size_t P, class F>
struct snn_counterpart<Conv2dLayer<S, OC, K, St, P>, F> : detail::same_in_snn<Conv2dLayer<S, OC, K, St, P>> {};
template <ShapeType S, std::size_t K, std::size_t St, class F>
struct snn_counterpart<AvgPool2dLayer<S, K, St>, F> : detail::same_in_snn<AvgPool2dLayer<S, K, St>> {};
template <ShapeType S, class F>
struct snn_counterpart<FlattenLayer<S>, F> : detail::same_in_snn<FlattenLayer<S>> {};

/// Dropout is the identity at inference and vanishes.
template <ShapeType S, class P, class F>
struct snn_counterpart<DropoutLayer<S, P>, F> {
  using type = void;
};

/// stReLU -> symmetric dual-threshold IF with the same Vth.
template <ShapeType S, class Vth, class F>
struct snn_counterpart<StReLULayer<S, Vth>, F> {
  using type = IFNeurons<S, Symmetric, F>;
  static type convert(const StReLULayer<S, Vth>& l) { return type(Symmetric{l.v_threshold()}); }
};

/// tReLU -> single-threshold IF with the same Vth.
template <ShapeType S, class Vth, class F>
struct snn_counterpart<TReLULayer<S, Vth>, F> {
  using type = IFNeurons<S, PositiveOnly, F>;
  static type convert(const TReLULayer<S, Vth>& l) { return type(PositiveOnly{l.v_threshold()}); }
};

/// atLeakyReLU -> asymmetric IF: +Vth (carries Vth), -Vth / alpha^2 (carries Vth / alpha);
/// derivation in activations/at_leaky_relu.hpp.
template <ShapeType S, class A, class Vth, class F>
struct snn_counterpart<AtLeakyReLULayer<S, A, Vth>, F> {
  using type = IFNeurons<S, Asymmetric, F>;
  static type convert(const AtLeakyReLULayer<S, A, Vth>& l) {
    const float t = l.v_threshold(), a = l.alpha();
    return type(Asymmetric{t, t / (a * a), t, t / a});
  }
};

/// ReLU -> single-threshold IF at 1, after data-based normalization has rescaled the
/// synapses so that the layer's activation statistic maps to 1.
template <ShapeType S, class F>
struct snn_counterpart<ReLULayer<S>, F> {
  using type = IFNeurons<S, PositiveOnly, F>;
  static constexpr bool needs_data_norm = true;
  static type convert(const ReLULayer<S>& /*l*/) { return type(PositiveOnly{1.0f}); }
};

/// LeakyReLU -> asymmetric IF after data-based normalization: +1 (carries 1) and -1 / alpha
/// (carries 1), so a negative normalized pre-activation x gives rate alpha |x| of spikes
/// worth -1, i.e. alpha x, saturating at -1.
template <ShapeType S, class A, class F>
struct snn_counterpart<LeakyReLULayer<S, A>, F> {
  using type = IFNeurons<S, Asymmetric, F>;
  static constexpr bool needs_data_norm = true;
  static type convert(const LeakyReLULayer<S, A>& l) { return type(Asymmetric{1.0f, 1.0f / l.alpha(), 1.0f, 1.0f}); }
};

/// How data-based normalization rescales an SNN layer (see the file comment).
template <class L>
struct data_norm_rescale {};

namespace detail {
template <class L>
struct rescale_weight_and_bias {
  static constexpr bool weighted = true;
  static void apply(L& layer, float weight_factor, float bias_factor) {
    layer.weight *= weight_factor;
    layer.bias *= bias_factor;
  }
};
template <class L>
struct no_parameters_to_rescale {
  static constexpr bool weighted = false;
  static void apply(L& /*layer*/, float /*weight_factor*/, float /*bias_factor*/) noexcept {}
};
}  // namespace detail

template <std::size_t In, std::size_t Out>
struct data_norm_rescale<DenseLayer<In, Out>> : detail::rescale_weight_and_bias<DenseLayer<In, Out>> {};
template <ShapeType S, std::size_t OC, std::size_t K, std::size_t St, std::size_t P>
struct data_norm_rescale<Conv2dLayer<S, OC, K, St, P>> : detail::rescale_weight_and_bias<Conv2dLayer<S, OC, K, St, P>> {};
template <ShapeType S, std::size_t K, std::size_t St>
struct data_norm_rescale<AvgPool2dLayer<S, K, St>> : detail::no_parameters_to_rescale<AvgPool2dLayer<S, K, St>> {};
template <ShapeType S>
struct data_norm_rescale<FlattenLayer<S>> : detail::no_parameters_to_rescale<FlattenLayer<S>> {};

/// A layer with a spiking counterpart (or one that vanishes), for firing rule `Firing`.
template <class L, class Firing = PaperFiring>
concept ConvertibleLayer = requires { typename snn_counterpart<L, Firing>::type; };

/// Whether layer `L` converts only through data-based normalization (ReLU, LeakyReLU).
template <class L>
inline constexpr bool needs_data_norm_v = [] {
  if constexpr (requires { snn_counterpart<L, PaperFiring>::needs_data_norm; })
    return snn_counterpart<L, PaperFiring>::needs_data_norm;
  else
    return false;
}();

/// Whether ANN layer `L` becomes a neuron layer of the SNN (the activations); the k-th such
/// layer of an ANN is the k-th neuron layer of its SNN.
template <class L>
inline constexpr bool converts_to_neuron_v = [] {
  using Map = snn_counterpart<L, PaperFiring>;
  if constexpr (requires { typename Map::type; })
    return !std::is_void_v<typename Map::type> && SpikingNeuron<typename Map::type>;
  else
    return false;
}();

}  // namespace dualspike
