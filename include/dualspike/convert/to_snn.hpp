#pragma once
/// \file to_snn.hpp
/// ANN -> SNN conversion (paper Section 3.2): a type-level map of every layer to its
/// spiking counterpart (`L::snn_type`, e.g. StReLU -> DualThresholdIF) plus a copy of the
/// weights. Dense layers carry over unchanged. A layer with no exact spiking counterpart
/// is refused at compile time.
#include <tuple>
#include <utility>
#include <type_traits>

#include "../snn/spiking_sequential.hpp"

namespace dualspike {

/// A layer that declares its spiking counterpart, or `snn_type = void` when it vanishes
/// from the SNN (Dropout).
template <class L>
concept ConvertibleLayer = std::is_void_v<typename L::snn_type> || requires(const L& l) {
  { l.to_snn() } -> std::convertible_to<typename L::snn_type>;
};

namespace detail {
template <class L>
auto convert_layer(const L& layer) {
  if constexpr (std::is_void_v<typename L::snn_type>)
    return std::tuple<>{};
  else
    return std::tuple<typename L::snn_type>(layer.to_snn());
}

template <class Tuple>
struct all_convertible : std::false_type {};
template <class... L>
struct all_convertible<std::tuple<L...>> : std::bool_constant<(ConvertibleLayer<L> && ...)> {};
}  // namespace detail

/// Converts a trained ANN into its equivalent SNN (a distinct type). The ANN is
/// validated first. \throws ConfigError for NaN/inf parameters or invalid thresholds.
template <class Net>
[[nodiscard]] auto to_snn(const Net& ann) {
  constexpr bool convertible = detail::all_convertible<typename Net::layers_type>::value;
  static_assert(convertible,
                "dualspike::to_snn: a layer of this network has no exact spiking counterpart (no snn_type / "
                "to_snn()), so the network cannot be converted");
  if constexpr (convertible) {
    ann.validate();
    auto snn_layers = std::apply([](const auto&... layer) { return std::tuple_cat(detail::convert_layer(layer)...); },
                                 ann.layers());
    return std::apply([](auto&&... layer) { return SpikingSequential<std::decay_t<decltype(layer)>...>(std::move(layer)...); },
                      std::move(snn_layers));
  }
}

/// The SNN type produced from the ANN type `Net`.
template <class Net>
using snn_t = decltype(to_snn(std::declval<const Net&>()));

}  // namespace dualspike
