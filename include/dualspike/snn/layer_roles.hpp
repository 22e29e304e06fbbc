#pragma once
/// \file layer_roles.hpp
/// What `SpikingSequential` needs to know about each of its layers: which layers are dense
/// or Conv2d synapses (their current is kept between steps and updated from input
/// changes), which can run a block of time steps at once, what per-run state and what
/// calibrated reference each keeps, and where the first neuron layer is.
#include <array>
#include <concepts>
#include <cstddef>
#include <memory>
#include <variant>

#include "../core/shape.hpp"
#include "../network/layer.hpp"
#include "conv_delta_propagation.hpp"
#include "delta_propagation.hpp"

namespace dualspike {

namespace detail {
template <class L>
struct layer_state {
  using type = std::monostate;
};
template <NeuronLayer L>
struct layer_state<L> {
  using type = typename L::state_type;
};
/// A dense synapse (weight `out x in`, column i = the weights leaving input i): its
/// current is kept between steps and updated from input changes (delta_propagation.hpp).
template <class L>
concept DenseSynapse = requires(const L& l) {
  L::in_features;
  L::out_features;
  { l.weight } -> std::convertible_to<const Matrix&>;
  { l.bias } -> std::convertible_to<const Vector&>;
};
template <class L>
  requires(!NeuronLayer<L> && DenseSynapse<L>)
struct layer_state<L> {
  using type = DeltaSynapseState;
};
/// A Conv2d synapse: its current is kept between steps and updated by scattering the
/// input changes (conv_delta_propagation.hpp).
template <class L>
concept ConvSynapse = requires(const L& l) {
  L::kernel_size;
  L::out_channels;
  L::positions;
  { l.weight } -> std::convertible_to<const Matrix&>;
  { l.bias } -> std::convertible_to<const Vector&>;
};
template <class L>
  requires(!NeuronLayer<L> && !DenseSynapse<L> && ConvSynapse<L>)
struct layer_state<L> {
  using type = ConvDeltaState;
};

/// What the network keeps per layer for the event path: a dense synapse's calibrated
/// references (shared with the runs that start from them; null: start from 0).
template <class L>
struct layer_reference {
  using type = std::monostate;
};
template <class L>
  requires(!NeuronLayer<L> && DenseSynapse<L>)
struct layer_reference<L> {
  using type = std::shared_ptr<const SynapseReference>;
};

/// Layers that `SpikingSequential::run` can evaluate over a block of time steps: neuron
/// layers with `steps`, and dense synapses.
template <class L>
concept TimeBlockLayer = DenseSynapse<L> || (NeuronLayer<L> && requires(const L& l, const Matrix& m, Matrix& v,
                                                                         Matrix& out, Eigen::Index n) {
                                               l.steps(m, v, out, n);
                                             });

template <class... Layers>
constexpr std::size_t first_neuron_index() {
  constexpr std::array<bool, sizeof...(Layers)> is_neuron{NeuronLayer<Layers>...};
  for (std::size_t i = 0; i < is_neuron.size(); ++i)
    if (is_neuron[i]) return i;
  return sizeof...(Layers);
}
}  // namespace detail

}  // namespace dualspike
