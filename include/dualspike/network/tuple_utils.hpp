#pragma once
/// \file tuple_utils.hpp
/// Compile-time iteration over a network's layer tuple (folds over index_sequence).
#include <array>
#include <cstddef>
#include <tuple>
#include <utility>

namespace dualspike::detail {

/// Calls `f(std::integral_constant<std::size_t, I>{})` for I = 0 .. N-1 in order.
template <std::size_t N, class F>
constexpr void for_each_index(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) { (f(std::integral_constant<std::size_t, I>{}), ...); }
  (std::make_index_sequence<N>{});
}

/// Calls `f(std::integral_constant<std::size_t, I>{})` for I = N-1 down to 0.
template <std::size_t N, class F>
constexpr void for_each_index_reversed(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) { (f(std::integral_constant<std::size_t, N - 1 - I>{}), ...); }
  (std::make_index_sequence<N>{});
}

/// The indices I of the elements of `Tuple` with `Pred<element>::value`, in order.
template <class Tuple, template <class> class Pred>
constexpr auto indices_where() {
  constexpr std::size_t n = std::tuple_size_v<Tuple>;
  constexpr std::size_t count = []<std::size_t... I>(std::index_sequence<I...>) {
    return (std::size_t{Pred<std::tuple_element_t<I, Tuple>>::value} + ... + std::size_t{0});
  }(std::make_index_sequence<n>{});
  std::array<std::size_t, count> out{};
  std::size_t k = 0;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((Pred<std::tuple_element_t<I, Tuple>>::value ? (out[k++] = I, 0) : 0), ...);
  }(std::make_index_sequence<n>{});
  return out;
}

/// Position of `v` in `a`, or N when it is not there.
template <std::size_t N>
constexpr std::size_t position_in(const std::array<std::size_t, N>& a, std::size_t v) {
  for (std::size_t k = 0; k < N; ++k)
    if (a[k] == v) return k;
  return N;
}

}  // namespace dualspike::detail
