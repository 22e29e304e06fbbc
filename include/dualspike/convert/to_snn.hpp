#pragma once
/// \file to_snn.hpp
/// ANN -> SNN conversion (paper Section 3.2, Fig. 1a): a type-level map of every layer to
/// its spiking counterpart (`snn_counterpart`, snn_counterpart.hpp: stReLU -> symmetric
/// dual-threshold IF, tReLU -> single-threshold IF, atLeakyReLU -> asymmetric IF) plus a copy
/// of the weights. Dense, Conv2d, AvgPool2d and Flatten carry over unchanged; Dropout
/// vanishes; a BatchNorm is folded into the Conv2d/Dense directly before it. A layer with
/// no exact spiking counterpart is refused at compile time, and so is an unbounded
/// activation (ReLU, LeakyReLU), which converts through data-based normalization instead
/// (`to_snn(ann, DataNorm{...})`, data_norm.hpp).
#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../snn/spiking_sequential.hpp"
#include "snn_counterpart.hpp"

namespace dualspike {

/// A layer folded into the layer before it at conversion (BatchNorm).
template <class L>
concept FoldedLayer = requires {
  requires L::folds_into_previous;
  { std::declval<const L&>().scale() } -> std::convertible_to<Vector>;
  { std::declval<const L&>().shift() } -> std::convertible_to<Vector>;
};

/// A layer that can absorb a following BatchNorm (Dense, Conv2d): `fold_batch_norm` returns
/// the same layer type with the BatchNorm folded in.
template <class L>
concept BatchNormFoldable = requires(const L& l, const Vector& v) {
  { l.fold_batch_norm(v, v) } -> std::convertible_to<L>;
};

namespace detail {
template <class Tuple, class Firing>
struct conversion_check;
template <class... L, class Firing>
struct conversion_check<std::tuple<L...>, Firing> {
  static constexpr std::array<bool, sizeof...(L)> folded{FoldedLayer<L>...};
  static constexpr std::array<bool, sizeof...(L)> convertible{ConvertibleLayer<L, Firing>...};
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
  static constexpr bool any_needs_data_norm = (needs_data_norm_v<L> || ...);
};

/// Whether layer I+1 of the tuple exists and is folded into layer I.
template <std::size_t I, class Tuple>
constexpr bool next_is_folded() {
  if constexpr (I + 1 < std::tuple_size_v<Tuple>)
    return FoldedLayer<std::tuple_element_t<I + 1, Tuple>>;
  else
    return false;
}

template <class Firing, std::size_t I, class Tuple>
auto convert_from(const Tuple& layers) {
  constexpr std::size_t n = std::tuple_size_v<Tuple>;
  if constexpr (I == n) {
    return std::tuple<>{};
  } else {
    using L = std::tuple_element_t<I, Tuple>;
    using Map = snn_counterpart<L, Firing>;
    const L& layer = std::get<I>(layers);
    if constexpr (next_is_folded<I, Tuple>()) {
      const auto& bn = std::get<I + 1>(layers);
      return std::tuple_cat(std::tuple<typename Map::type>(Map::convert(layer.fold_batch_norm(bn.scale(), bn.shift()))),
                            convert_from<Firing, I + 2>(layers));
    } else if constexpr (std::is_void_v<typename Map::type>) {
      return convert_from<Firing, I + 1>(layers);
    } else {
      return std::tuple_cat(std::tuple<typename Map::type>(Map::convert(layer)), convert_from<Firing, I + 1>(layers));
    }
  }
}

/// The checks every conversion makes, then the converted layers as a `SpikingSequential`.
template <class Firing, bool WithDataNorm, class Net>
auto convert_network(const Net& ann) {
  using check = conversion_check<typename Net::layers_type, Firing>;
  static_assert(check::all_convertible(),
                "dualspike::to_snn: a layer of this network has no exact spiking counterpart (no snn_counterpart "
                "specialization), so the network cannot be converted");
  static_assert(check::folds_valid(),
                "dualspike::to_snn: a BatchNorm must directly follow a Conv2d or Dense layer, into which it is "
                "folded at conversion");
  static_assert(WithDataNorm || !check::any_needs_data_norm,
                "dualspike::to_snn: ReLU and LeakyReLU are unbounded and have no threshold for their neurons: convert "
                "with data-based normalization, ds::to_snn(ann, ds::DataNorm{calibration_inputs})");
  if constexpr (check::all_convertible() && check::folds_valid() && (WithDataNorm || !check::any_needs_data_norm)) {
    ann.validate();
    auto snn_layers = convert_from<Firing, 0>(ann.layers());
    return std::apply(
        [](auto&&... layer) { return SpikingSequential<std::decay_t<decltype(layer)>...>(std::move(layer)...); },
        std::move(snn_layers));
  }
}
}  // namespace detail

/// Converts a trained ANN with bounded threshold activations (stReLU, tReLU, atLeakyReLU)
/// into its equivalent SNN (a distinct type) whose neurons fire by `Firing` (the paper's
/// rule by default; `to_snn<RoundingFiring>(ann)` for the rounding neuron). The ANN is
/// validated first; BatchNorm layers are folded with their running statistics.
/// \throws ConfigError for NaN/inf parameters, invalid thresholds or BatchNorm eps.
template <class Firing = PaperFiring, class Net>
[[nodiscard]] auto to_snn(const Net& ann) {
  return detail::convert_network<Firing, false>(ann);
}

/// Whether the ANN type `Net` has an unbounded activation (ReLU, LeakyReLU) and so
/// converts only with data-based normalization, `to_snn(ann, DataNorm{...})`.
template <class Net>
inline constexpr bool needs_data_norm_net_v =
    detail::conversion_check<typename Net::layers_type, PaperFiring>::any_needs_data_norm;

/// The SNN type produced from the ANN type `Net` (with firing rule `Firing`).
template <class Net, class Firing = PaperFiring>
using snn_t = decltype(detail::convert_network<Firing, true>(std::declval<const Net&>()));

}  // namespace dualspike
