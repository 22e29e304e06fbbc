#pragma once
/// \file to_snn.hpp
/// ANN -> SNN conversion (paper Section 3.2, Fig. 1a): a type-level map of every layer to
/// its spiking counterpart (`L::snn_type`, e.g. StReLU -> DualThresholdIF) plus a copy of
/// the weights. Dense, Conv2d, AvgPool2d and Flatten carry over unchanged; Dropout
/// vanishes; a BatchNorm is folded into the Conv2d/Dense directly before it. A layer with
/// no exact spiking counterpart is refused at compile time.
#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../snn/spiking_sequential.hpp"

namespace dualspike {

/// A layer that declares its spiking counterpart, or `snn_type = void` when it vanishes
/// from the SNN (Dropout).
template <class L>
concept ConvertibleLayer = std::is_void_v<typename L::snn_type> || requires(const L& l) {
  { l.to_snn() } -> std::convertible_to<typename L::snn_type>;
};

/// A layer folded into the layer before it at conversion (BatchNorm).
template <class L>
concept FoldedLayer = requires {
  requires L::folds_into_previous;
  { std::declval<const L&>().scale() } -> std::convertible_to<Vector>;
  { std::declval<const L&>().shift() } -> std::convertible_to<Vector>;
};

/// A layer that can absorb a following BatchNorm (Dense, Conv2d).
template <class L>
concept BatchNormFoldable = ConvertibleLayer<L> && requires(const L& l, const Vector& v) {
  { l.fold_batch_norm(v, v) } -> std::convertible_to<typename L::snn_type>;
};

namespace detail {
template <class Tuple>
struct conversion_check;
template <class... L>
struct conversion_check<std::tuple<L...>> {
  static constexpr std::array<bool, sizeof...(L)> folded{FoldedLayer<L>...};
  static constexpr std::array<bool, sizeof...(L)> convertible{ConvertibleLayer<L>...};
  static constexpr std::array<bool, sizeof...(L)> foldable{BatchNormFoldable<L>...};
  /// Every layer converts or is folded.
  static constexpr bool all_convertible() {
    for (std::size_t i = 0; i < sizeof...(L); ++i)
      if (!convertible[i] && !folded[i]) return false;
    return true;
  }
  /// Every folded layer directly follows a layer that can absorb it.
  static constexpr bool folds_valid() {
    for (std::size_t i = 0; i < sizeof...(L); ++i)
      if (folded[i] && (i == 0 || !foldable[i - 1])) return false;
    return true;
  }
};

/// Whether layer I+1 of the tuple exists and is folded into layer I.
template <std::size_t I, class Tuple>
constexpr bool next_is_folded() {
  if constexpr (I + 1 < std::tuple_size_v<Tuple>)
    return FoldedLayer<std::tuple_element_t<I + 1, Tuple>>;
  else
    return false;
}

template <std::size_t I, class Tuple>
auto convert_from(const Tuple& layers) {
  constexpr std::size_t n = std::tuple_size_v<Tuple>;
  if constexpr (I == n) {
    return std::tuple<>{};
  } else {
    using L = std::tuple_element_t<I, Tuple>;
    const L& layer = std::get<I>(layers);
    if constexpr (next_is_folded<I, Tuple>()) {
      const auto& bn = std::get<I + 1>(layers);
      using Folded = typename L::snn_type;
      return std::tuple_cat(std::tuple<Folded>(layer.fold_batch_norm(bn.scale(), bn.shift())),
                            convert_from<I + 2>(layers));
    } else if constexpr (std::is_void_v<typename L::snn_type>) {
      return convert_from<I + 1>(layers);
    } else {
      return std::tuple_cat(std::tuple<typename L::snn_type>(layer.to_snn()), convert_from<I + 1>(layers));
    }
  }
}
}  // namespace detail

/// Converts a trained ANN into its equivalent SNN (a distinct type). The ANN is
/// validated first; BatchNorm layers are folded with their running statistics.
/// \throws ConfigError for NaN/inf parameters, invalid thresholds or BatchNorm eps.
template <class Net>
[[nodiscard]] auto to_snn(const Net& ann) {
  using check = detail::conversion_check<typename Net::layers_type>;
  static_assert(check::all_convertible(),
                "dualspike::to_snn: a layer of this network has no exact spiking counterpart (no snn_type / "
                "to_snn()), so the network cannot be converted");
  static_assert(check::folds_valid(),
                "dualspike::to_snn: a BatchNorm must directly follow a Conv2d or Dense layer, into which it is "
                "folded at conversion");
  if constexpr (check::all_convertible() && check::folds_valid()) {
    ann.validate();
    auto snn_layers = detail::convert_from<0>(ann.layers());
    return std::apply([](auto&&... layer) { return SpikingSequential<std::decay_t<decltype(layer)>...>(std::move(layer)...); },
                      std::move(snn_layers));
  }
}

/// The SNN type produced from the ANN type `Net`.
template <class Net>
using snn_t = decltype(to_snn(std::declval<const Net&>()));

}  // namespace dualspike
