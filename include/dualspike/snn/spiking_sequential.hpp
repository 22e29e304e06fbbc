#pragma once
/// \file spiking_sequential.hpp
/// `SpikingSequential<Layers...>`: the converted SNN (produced by `to_snn`) - its layers and
/// their parameters, nothing else. Every layer follows the spiking-layer contract
/// (network/spiking_layer.hpp), checked at compile time. How it runs (GEMM or event path,
/// calibrated references, caches derived from the weights) belongs to an executor,
/// `Runner` (runner.hpp); `simulate` makes one itself.
///
/// Time stepping (paper Section 4.1, "Inference"): the analog input enters the first layer
/// directly at every step, so the layers before the first neuron layer see a constant
/// input and are evaluated once per input; the last layer does not spike: its output is
/// integrated, U(t) = sum_{tau<=t} y(tau), and the prediction at step t is argmax U(t).
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../core/shape.hpp"
#include "../network/spiking_layer.hpp"
#include "../network/tuple_utils.hpp"
#include "engine_slots.hpp"

namespace dualspike {

namespace detail {
template <class... L>
constexpr bool shapes_chain() {
  using T = std::tuple<L...>;
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (std::is_same_v<typename std::tuple_element_t<I, T>::output_shape,
                           typename std::tuple_element_t<I + 1, T>::input_shape> &&
            ...);
  }(std::make_index_sequence<sizeof...(L) - 1>{});
}
}  // namespace detail

/// A spiking network: a tuple of SNN layers run for T time steps. Activations are
/// `features x batch` matrices (column = sample).
template <class... Layers>
class SpikingSequential {
 public:
  static_assert(sizeof...(Layers) > 0, "dualspike::SpikingSequential: needs at least one layer");
  static_assert((check_spiking_layer<Layers>() && ...));
  static_assert(detail::shapes_chain<Layers...>(),
                "dualspike::SpikingSequential: a layer's input shape differs from the previous layer's output shape");

  using layers_type = std::tuple<Layers...>;
  static constexpr std::size_t num_layers = sizeof...(Layers);
  template <std::size_t I>
  using layer_type = std::tuple_element_t<I, layers_type>;
  using input_shape = typename layer_type<0>::input_shape;
  using output_shape = typename layer_type<num_layers - 1>::output_shape;
  /// Indices of the neuron layers, in order (a `std::array`).
  static constexpr auto neuron_layers = detail::indices_where<layers_type, detail::is_spiking_neuron>();
  /// Index of the first neuron layer: layers before it see the constant analog input
  /// (`num_layers` when there is none).
  static constexpr std::size_t first_neuron = neuron_layers.empty() ? num_layers : neuron_layers.front();

  SpikingSequential() = default;
  explicit SpikingSequential(Layers... layers) : layers_(std::move(layers)...) {}

  /// Layer I (0-based).
  template <std::size_t I>
  [[nodiscard]] const layer_type<I>& get() const noexcept {
    return std::get<I>(layers_);
  }
  template <std::size_t I>
  [[nodiscard]] layer_type<I>& get() noexcept {
    return std::get<I>(layers_);
  }
  [[nodiscard]] const layers_type& layers() const noexcept { return layers_; }

  /// \throws ConfigError / ShapeError for NaN/inf or wrongly shaped parameters of the
  /// synaptic layers (neuron thresholds are validated when constructed).
  void validate() const {
    detail::for_each_index<num_layers>([&](auto i) {
      if constexpr (requires { get<i>().validate(std::string{}); }) get<i>().validate(std::to_string(i.value) + ".");
    });
  }

 private:
  layers_type layers_;
};

}  // namespace dualspike
