#pragma once
/// \file fan_out_map.hpp
/// Exact synaptic-operation (SOP) counting: the fan-out of every neuron, composed from the
/// layers' `fan_out_paths` (network/spiking_layer.hpp).
///
/// A spike of neuron j of neuron layer I causes one SOP per synapse path from j to the
/// next neuron layer (or to the readout, when I is the last neuron layer): through Dense
/// all its outputs, through Conv2d the taps that cover j (fewer at borders and corners,
/// none where a stride skips j), through AvgPool2d the synapses of the next synapse at the
/// pooled position (the pooling weight 1/K^2 lies on the path), through Flatten the same
/// index. The map depends only on the network's geometry, never on its weights; its
/// values are exact integers, so SOP totals are exact and independent of how a batch was
/// split over threads.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "../network/spiking_layer.hpp"

namespace dualspike {

namespace detail {
/// Index of the first neuron layer after layer `I` of `Snn`, or `Snn::num_layers`.
template <class Snn>
constexpr std::size_t next_neuron_after(std::size_t I) {
  for (const std::size_t l : Snn::neuron_layers)
    if (l > I) return l;
  return Snn::num_layers;
}

/// Maps `per_output` of layer K back to its inputs, then continues down to layer `Stop`
/// (exclusive); leaves the per-input counts of layer Stop + 1 in `counts`.
template <class Snn, std::size_t K, std::size_t Stop>
void fan_out_down(std::vector<std::uint64_t>& counts) {
  if constexpr (K > Stop) {
    using L = typename Snn::template layer_type<K>;
    if constexpr (SpikingSynapse<L>) {
      std::vector<std::uint64_t> per_input(L::input_shape::size, 0);
      L::fan_out_paths(std::span<const std::uint64_t>(counts), std::span<std::uint64_t>(per_input));
      counts.swap(per_input);
    }  // a pass-through layer keeps every index (its sizes are equal, spiking_layer.hpp)
    fan_out_down<Snn, K - 1, Stop>(counts);
  }
}
}  // namespace detail

/// SOPs caused by one spike of each neuron of neuron layer `I` of `Snn`: a vector of
/// `output_shape::size` counts (neuron j's count at index j, CHW order). All zero when
/// layer I is the last layer (its output is the readout). Cost: one pass over the
/// geometry of the synapses up to the next neuron layer (no weights are read).
template <class Snn, std::size_t I>
[[nodiscard]] std::vector<std::uint64_t> spike_fan_out() {
  static_assert(I < Snn::num_layers && SpikingNeuron<typename Snn::template layer_type<I>>,
                "dualspike::spike_fan_out<Snn, I>: layer I must be a neuron layer");
  constexpr std::size_t next = detail::next_neuron_after<Snn>(I);
  if constexpr (next == I + 1) {
    // Nothing between I and the next neuron layer (or the readout): no synapse is reached.
    return std::vector<std::uint64_t>(Snn::template layer_type<I>::output_shape::size, 0);
  } else {
    std::vector<std::uint64_t> counts(Snn::template layer_type<next - 1>::output_shape::size, 1);
    detail::fan_out_down<Snn, next - 1, I>(counts);
    return counts;
  }
}

/// Multiply-accumulates per sample of the layers before the first neuron layer: they see
/// the analog input, constant over time, and run once per input (not per time step); the
/// SNN's SOPs begin after them. Layers without `macs()` count 0.
template <class Snn>
[[nodiscard]] constexpr std::size_t input_layer_macs() noexcept {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return ([] {
      using L = typename Snn::template layer_type<I>;
      if constexpr (requires { L::macs(); })
        return static_cast<std::size_t>(L::macs());
      else
        return std::size_t{0};
    }() + ... + std::size_t{0});
  }(std::make_index_sequence<Snn::first_neuron>{});
}

}  // namespace dualspike
