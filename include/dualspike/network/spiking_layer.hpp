#pragma once
/// \file spiking_layer.hpp
/// The spiking-layer contract, stated once (the ANN contract is layer.hpp beside it).
///
/// A concrete *SNN layer* `L` (satisfies `SpikingLayer`):
///  - `L::input_shape`, `L::output_shape`: compile-time `Shape`s.
///  - *declares* its role with `using spiking_role = synapse_role;` (a linear map of the
///    previous layer's spikes: Dense, Conv2d, AvgPool2d), `neuron_role` (stateful, emits
///    spikes: the IF neurons) or `pass_through_role` (reshapes only: Flatten). Nothing is
///    inferred from member names; a layer that cannot be edited declares it by specializing
///    `spiking_layer_traits`.
///  - `L::state_type`: its per-run state (`NoState` when stateless), owned by the caller,
///    so one const network serves many threads.
///  - `begin(state, batch) const`: starts a run of `batch` samples (neurons: V(0) = 0).
///  - `step(in, state, out) const`: one time step; reads `in` (`input_shape::size x batch`),
///    assigns `out` (`output_shape::size x batch`). `out` never aliases `in`.
///  - synapses also give `fan_out_paths(per_output, per_input)` (static; spans of
///    `std::uint64_t`, sizes output_shape::size and input_shape::size): per_input[j] = the
///    sum of per_output[i] over the outputs i that input j feeds. Exact SOP counts are
///    built from it (snn/fan_out_map.hpp): with per_output all 1 it is each input's actual
///    fan-out, borders included. Pass-through layers map each input to the output of the
///    same index.
///
/// Optional capabilities, each declared by the layer and then required in full (a layer
/// that declares one but lacks part of it is a compile error naming what is missing, never
/// a silent fallback):
///  - `using event_path = dense_event_path;` (synapses): the executor may keep the layer's
///    current between steps and add only the changes of its input through `weight`
///    (`out_features x in_features`, column i = the weights leaving input i) and `bias`;
///  - `using event_path = conv_event_path;` (synapses): likewise for a convolution,
///    scattering each changed input through `weight` (`C*K*K x OC`) with the geometry
///    `kernel_size`, `stride`, `padding`, `out_channels`, `out_height`, `out_width`,
///    `positions`;
///  - `static constexpr bool time_blocks = true;` (neurons): `steps(current, state, out,
///    count) const` runs `count` steps at once (layout in neurons/if_neuron.hpp).
/// A composite layer (a residual block) is one more class with this contract: its
/// `state_type` holds its parts' states and its `step` steps them.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "../core/shape.hpp"

namespace dualspike {

/// Roles a spiking layer declares (`using spiking_role = ...;`).
struct synapse_role {};
struct neuron_role {};
struct pass_through_role {};

/// Event-path capabilities a synapse may declare (`using event_path = ...;`).
struct no_event_path {};
struct dense_event_path {};
struct conv_event_path {};

/// The run state of a stateless layer.
struct NoState {};

namespace detail {
template <class L>
struct declared_event_path {
  using type = no_event_path;
};
template <class L>
  requires requires { typename L::event_path; }
struct declared_event_path<L> {
  using type = typename L::event_path;
};
template <class L>
constexpr bool declared_time_blocks() {
  if constexpr (requires { L::time_blocks; })
    return bool{L::time_blocks};
  else
    return false;
}
}  // namespace detail

/// What a spiking layer declares. The default reads the layer's own declarations
/// (`spiking_role`, and optionally `event_path` and `time_blocks`); a layer without a
/// `spiking_role` has no traits. Specialize it to declare them for a layer that cannot be
/// edited.
template <class L>
struct spiking_layer_traits {};
template <class L>
  requires requires { typename L::spiking_role; }
struct spiking_layer_traits<L> {
  using role = typename L::spiking_role;
  using event_path = typename detail::declared_event_path<L>::type;
  static constexpr bool time_blocks = detail::declared_time_blocks<L>();
};

/// The contract above (roles and capabilities are checked by `check_spiking_layer`).
template <class L>
concept SpikingLayer = ShapeType<typename L::input_shape> && ShapeType<typename L::output_shape> && requires {
  typename spiking_layer_traits<L>::role;
  typename L::state_type;
} && requires(const L& l, typename L::state_type& s, const Matrix& x, Matrix& y, Eigen::Index batch) {
  l.begin(s, batch);
  l.step(x, s, y);
};

template <class L>
concept SpikingNeuron = SpikingLayer<L> && std::is_same_v<typename spiking_layer_traits<L>::role, neuron_role>;
template <class L>
concept SpikingSynapse = SpikingLayer<L> && std::is_same_v<typename spiking_layer_traits<L>::role, synapse_role>;
template <class L>
concept SpikingPassThrough = SpikingLayer<L> && std::is_same_v<typename spiking_layer_traits<L>::role, pass_through_role>;

/// The parts of `dense_event_path`.
template <class L>
concept DenseEventSynapse = requires(const L& l) {
  { L::in_features } -> std::convertible_to<std::size_t>;
  { L::out_features } -> std::convertible_to<std::size_t>;
  { l.weight } -> std::convertible_to<const Matrix&>;
  { l.bias } -> std::convertible_to<const Vector&>;
};
/// The parts of `conv_event_path`.
template <class L>
concept ConvEventSynapse = requires(const L& l) {
  { L::kernel_size } -> std::convertible_to<std::size_t>;
  { L::stride } -> std::convertible_to<std::size_t>;
  { L::padding } -> std::convertible_to<std::size_t>;
  { L::out_channels } -> std::convertible_to<std::size_t>;
  { L::out_height } -> std::convertible_to<std::size_t>;
  { L::out_width } -> std::convertible_to<std::size_t>;
  { L::positions } -> std::convertible_to<std::size_t>;
  { L::macs() } -> std::convertible_to<std::size_t>;
  { l.weight } -> std::convertible_to<const Matrix&>;
  { l.bias } -> std::convertible_to<const Vector&>;
};
/// The part of `time_blocks`.
template <class L>
concept TimeBlockNeuron = requires(const L& l, const Matrix& m, typename L::state_type& s, Matrix& out,
                                   Eigen::Index n) { l.steps(m, s, out, n); };

/// Compile-time check of one SNN layer against the contract, with a message for each part
/// that is missing. \returns true (for use in a static_assert of a container).
template <class L>
constexpr bool check_spiking_layer() {
  static_assert(requires { typename spiking_layer_traits<L>::role; },
                "dualspike: an SNN layer must declare its role: using spiking_role = synapse_role / neuron_role / "
                "pass_through_role; (network/spiking_layer.hpp)");
  static_assert(SpikingLayer<L>,
                "dualspike: an SNN layer needs input_shape, output_shape, state_type, begin(state, batch) and "
                "step(in, state, out) (network/spiking_layer.hpp)");
  if constexpr (SpikingLayer<L>) {
    using traits = spiking_layer_traits<L>;
    static_assert(SpikingNeuron<L> || SpikingSynapse<L> || SpikingPassThrough<L>,
                  "dualspike: spiking_role must be synapse_role, neuron_role or pass_through_role");
    static_assert(!SpikingSynapse<L> || requires(std::span<const std::uint64_t> o, std::span<std::uint64_t> i) {
      L::fan_out_paths(o, i);
    }, "dualspike: a synapse must give static fan_out_paths(per_output, per_input) (spans of std::uint64_t): the "
                  "exact number of outputs each input feeds, for SOP counting (network/spiking_layer.hpp)");
    static_assert(!SpikingPassThrough<L> || L::input_shape::size == L::output_shape::size,
                  "dualspike: a pass-through layer reshapes only: its input and output sizes must be equal");
    static_assert(!std::is_same_v<typename traits::event_path, dense_event_path> || DenseEventSynapse<L>,
                  "dualspike: a layer declaring event_path = dense_event_path needs in_features, out_features, a "
                  "weight matrix (out x in) and a bias vector");
    static_assert(!std::is_same_v<typename traits::event_path, conv_event_path> || ConvEventSynapse<L>,
                  "dualspike: a layer declaring event_path = conv_event_path needs kernel_size, stride, padding, "
                  "out_channels, out_height, out_width, positions, macs(), a weight matrix (C*K*K x OC) and a bias");
    static_assert(std::is_same_v<typename traits::event_path, no_event_path> || SpikingSynapse<L>,
                  "dualspike: only a synapse can declare an event_path");
    static_assert(!traits::time_blocks || (SpikingNeuron<L> && TimeBlockNeuron<L>),
                  "dualspike: a layer declaring time_blocks must be a neuron with steps(current, state, out, count)");
  }
  return true;
}

namespace detail {
/// For layers whose run state is empty: `begin` does nothing and a step is `forward`.
/// `Derived` provides `forward(x, y) const`; `Role` is its spiking role.
template <class Derived, class Role>
struct StatelessSpiking {
  using spiking_role = Role;
  using state_type = NoState;
  void begin(NoState& /*state*/, Eigen::Index /*batch*/) const noexcept {}
  void step(const Matrix& in, NoState& /*state*/, Matrix& out) const { static_cast<const Derived&>(*this).forward(in, out); }
};
}  // namespace detail

}  // namespace dualspike
