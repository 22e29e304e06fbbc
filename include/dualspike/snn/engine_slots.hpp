#pragma once
/// \file engine_slots.hpp
/// What the executor (runner.hpp) keeps for each layer of a `SpikingSequential`, chosen
/// from the layer's declared role and capabilities (network/spiking_layer.hpp): the per-run
/// slot (a neuron's membrane potential, an event-path synapse's current and change lists,
/// or the layer's own state) and the per-runner cache (a dense synapse's calibrated
/// references, a convolution's transposed weights). Engine internals: `detail`.
#include <array>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <variant>

#include "../core/shape.hpp"
#include "../network/spiking_layer.hpp"
#include "conv_delta_propagation.hpp"
#include "delta_propagation.hpp"
#include "event_reference.hpp"

namespace dualspike::detail {

template <class L>
inline constexpr bool has_dense_events = std::is_same_v<typename spiking_layer_traits<L>::event_path, dense_event_path>;
template <class L>
inline constexpr bool has_conv_events = std::is_same_v<typename spiking_layer_traits<L>::event_path, conv_event_path>;

/// The per-run slot of a layer: its own `state_type`, or the event path's state.
template <class L>
struct run_slot {
  using type = typename L::state_type;
};
template <class L>
  requires has_dense_events<L>
struct run_slot<L> {
  using type = DeltaSynapseState;
};
template <class L>
  requires has_conv_events<L>
struct run_slot<L> {
  using type = ConvDeltaState;
};

/// The per-runner cache of a layer: a dense synapse's references (shared with the runs
/// that start from them; null: start from 0), a convolution's transposed weights.
template <class L>
struct runner_cache {
  using type = std::monostate;
};
template <class L>
  requires has_dense_events<L>
struct runner_cache<L> {
  using type = std::shared_ptr<const SynapseReference>;
};
template <class L>
  requires has_conv_events<L>
struct runner_cache<L> {
  using type = Matrix;
};

/// Layers that a time block can evaluate over several steps: dense event-path synapses and
/// neurons that declare `time_blocks`.
template <class L>
concept TimeBlockLayer = has_dense_events<L> || (SpikingNeuron<L> && spiking_layer_traits<L>::time_blocks);

/// Whether `L` is a neuron layer, as a type trait (for `indices_where`).
template <class L>
struct is_spiking_neuron : std::bool_constant<SpikingNeuron<L>> {};

}  // namespace dualspike::detail
