#pragma once
/// \file spiking_sequential.hpp
/// `SpikingSequential<Layers...>`: the converted SNN (produced by `to_snn`). Synaptic
/// layers (Dense ...) are stateless and act on `Vth * spikes` every time step; neuron
/// layers (DualThresholdIF) keep their membrane potential in a `State`.
///
/// Time stepping (paper Section 4.1, "Inference"):
///  - the analog input enters the first layer directly at every step; since it is
///    constant, the layers before the first neuron layer are evaluated once per input
///    (`begin`) and their output current is reused at every step;
///  - the last layer does not spike: its output is integrated, U(t) = sum_{tau<=t} y(tau),
///    and the prediction at step t is argmax U(t);
///  - dense synapses after the first neuron layer keep their current and propagate only
///    the input changes x(t) - x(t-1) when few inputs changed (delta_propagation.hpp),
///    starting from x(0) = 0, so step 1 costs only the neurons that spike at once;
///    Conv2d synapses likewise scatter the input changes into their output map
///    (conv_delta_propagation.hpp);
///    `set_propagation` selects the path (all give the same result up to float rounding).
#include <array>
#include <string>
#include <cstddef>
#include <tuple>
#include <utility>
#include <variant>

#include "../core/errors.hpp"
#include "../core/shape.hpp"
#include "../network/layer.hpp"
#include "../network/tuple_utils.hpp"
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

template <class... Layers>
constexpr std::size_t first_neuron_index() {
  constexpr std::array<bool, sizeof...(Layers)> is_neuron{NeuronLayer<Layers>...};
  for (std::size_t i = 0; i < is_neuron.size(); ++i)
    if (is_neuron[i]) return i;
  return sizeof...(Layers);
}
}  // namespace detail

/// A spiking network: a tuple of SNN layers run for T time steps.
template <class... Layers>
class SpikingSequential {
 public:
  static_assert(sizeof...(Layers) > 0, "dualspike::SpikingSequential: needs at least one layer");
  using layers_type = std::tuple<Layers...>;
  static constexpr std::size_t num_layers = sizeof...(Layers);
  template <std::size_t I>
  using layer_type = std::tuple_element_t<I, layers_type>;
  using input_shape = typename layer_type<0>::input_shape;
  using output_shape = typename layer_type<num_layers - 1>::output_shape;
  /// Index of the first neuron layer: layers before it see the constant analog input.
  static constexpr std::size_t first_neuron = detail::first_neuron_index<Layers...>();

  /// Per-run state: membrane potentials, the cached input current, the integrated
  /// readout U(t) (`output_shape::size x batch`) and scratch buffers.
  struct State {
    std::tuple<typename detail::layer_state<Layers>::type...> layer_states;
    Matrix input_current;
    Matrix readout;
    std::array<Matrix, 2> buffers;
    /// Non-zero spikes emitted by each layer at the latest step (0 for synaptic layers).
    std::array<std::size_t, num_layers> spikes{};
    Eigen::Index batch = 0;
  };

  SpikingSequential() = default;
  explicit SpikingSequential(Layers... layers) : layers_(std::move(layers)...) {}

  template <std::size_t I>
  [[nodiscard]] const layer_type<I>& get() const noexcept {
    return std::get<I>(layers_);
  }
  template <std::size_t I>
  [[nodiscard]] layer_type<I>& get() noexcept {
    return std::get<I>(layers_);
  }

  /// Starts a run on input `x` (`input_shape::size x batch`): V(0) = 0 everywhere,
  /// U(0) = 0, and the constant input current is computed once.
  /// \throws ShapeError if `x` has the wrong number of rows.
  void begin(const Matrix& x, State& s) const {
    if (static_cast<std::size_t>(x.rows()) != input_shape::size)
      throw ShapeError("SpikingSequential: input has " + std::to_string(x.rows()) + " rows (features), expected " +
                       std::to_string(input_shape::size));
    s.batch = x.cols();
    s.input_current = x;
    detail::for_each_index<first_neuron>([&](auto i) {
      if constexpr (i.value == 0 && detail::DenseSynapse<layer_type<0>>) {
        // A sparse analog input (MNIST: ~80% zero pixels) costs only its non-zero pixels:
        // propagate it as a change from x = 0, whose current is the bias.
        auto& st = std::get<0>(s.layer_states);
        const auto& layer = get<0>();
        st.prime_from_zero(layer.bias, x.rows(), x.cols());
        s.input_current = propagate_dense(layer.weight, layer.bias, x, st, propagation_, event_threshold_);
      } else {
        get<i>().forward(s.input_current, s.buffers[0]);
        s.input_current.swap(s.buffers[0]);
      }
    });
    detail::for_each_index<num_layers>([&](auto i) {
      if constexpr (NeuronLayer<layer_type<i>>) get<i>().reset_state(std::get<i>(s.layer_states), s.batch);
      if constexpr (i.value >= first_neuron &&
                    std::is_same_v<typename detail::layer_state<layer_type<i>>::type, DeltaSynapseState>)
        std::get<i>(s.layer_states).prime_from_zero(get<i>().bias, static_cast<Eigen::Index>(layer_type<i>::in_features),
                                                    s.batch);
      if constexpr (i.value >= first_neuron &&
                    std::is_same_v<typename detail::layer_state<layer_type<i>>::type, ConvDeltaState>)
        std::get<i>(s.layer_states).prime_from_zero(get<i>(), s.batch);
    });
    s.readout.setZero(static_cast<Eigen::Index>(output_shape::size), s.batch);
  }

  /// Advances every layer by one time step and adds the last layer's output to the
  /// readout. Call after `begin`.
  void step(State& s) const {
    if constexpr (first_neuron == num_layers) {
      s.readout += s.input_current;
    } else {
      const Matrix* in = &s.input_current;
      std::size_t cur = 0;
      detail::for_each_index<num_layers - first_neuron>([&](auto k) {
        constexpr std::size_t i = first_neuron + k.value;
        Matrix& out = s.buffers[cur];
        if constexpr (NeuronLayer<layer_type<i>>) {
          get<i>().step(*in, std::get<i>(s.layer_states), out);
          s.spikes[i] = static_cast<std::size_t>((out.array() != 0.0f).count());
          in = &out;
        } else if constexpr (detail::DenseSynapse<layer_type<i>>) {
          const auto& layer = get<i>();
          in = &propagate_dense(layer.weight, layer.bias, *in, std::get<i>(s.layer_states), propagation_,
                                event_threshold_);
        } else if constexpr (detail::ConvSynapse<layer_type<i>>) {
          in = &propagate_conv(get<i>(), *in, std::get<i>(s.layer_states), propagation_, event_threshold_);
        } else {
          get<i>().forward(*in, out);
          in = &out;
        }
        cur = 1 - cur;
      });
      s.readout += *in;
    }
  }

  /// Synapses reached by one spike of neuron layer `I`: the product of the (mean)
  /// fan-outs of the synaptic layers between it and the next neuron layer (or the
  /// readout), e.g. AvgPool2d (1) then Conv2d (OC*K*K in the interior).
  template <std::size_t I>
  [[nodiscard]] static constexpr double synapses_per_spike() noexcept {
    if constexpr (I + 1 >= num_layers) {
      return 0.0;
    } else {
      double product = 1.0;
      bool stop = false;
      detail::for_each_index<num_layers - I - 1>([&](auto k) {
        using L = layer_type<I + 1 + k.value>;
        if constexpr (NeuronLayer<L>) {
          stop = true;
        } else if constexpr (requires { L::fan_out(); }) {
          if (!stop) product *= L::fan_out();
        }
      });
      return product;
    }
  }

  /// Synaptic operations caused by the spikes of the latest step: for every neuron layer,
  /// its spike count times `synapses_per_spike`.
  [[nodiscard]] double sops(const State& s) const noexcept {
    double total = 0.0;
    detail::for_each_index<num_layers>([&](auto i) {
      if constexpr (NeuronLayer<layer_type<i>>)
        total += static_cast<double>(s.spikes[i]) * synapses_per_spike<i.value>();
    });
    return total;
  }

  /// \throws ConfigError / ShapeError for NaN/inf or wrongly shaped parameters of the
  /// synaptic layers (neuron thresholds are validated when constructed).
  void validate() const {
    detail::for_each_index<num_layers>([&](auto i) {
      if constexpr (requires { get<i>().validate(std::string{}); }) get<i>().validate(std::to_string(i.value) + ".");
    });
  }

  [[nodiscard]] const layers_type& layers() const noexcept { return layers_; }

  /// Selects how dense and Conv2d synapses propagate (default: automatic, events below a
  /// fraction `event_threshold` of changed inputs per layer and step; the default -1 means
  /// the measured break-even: `event_break_even` of the batch each thread runs for dense
  /// synapses, `conv_event_break_even` for convolutions). Set before sharing the network
  /// between threads.
  /// \throws ConfigError unless event_threshold is -1 or in [0, 1].
  void set_propagation(Propagation mode, double event_threshold = default_event_threshold) {
    if (!(event_threshold == -1.0 || (event_threshold >= 0.0 && event_threshold <= 1.0)))
      throw ConfigError("SpikingSequential.event_threshold = " + std::to_string(event_threshold) +
                        ", expected -1 (batch-dependent break-even) or a fraction in [0, 1]");
    propagation_ = mode;
    event_threshold_ = event_threshold;
  }
  [[nodiscard]] Propagation propagation() const noexcept { return propagation_; }
  [[nodiscard]] double event_threshold() const noexcept { return event_threshold_; }
  /// -1: the measured break-even of each synapse kind (delta_propagation.hpp,
  /// conv_delta_propagation.hpp).
  static constexpr double default_event_threshold = -1.0;

 private:
  layers_type layers_;
  Propagation propagation_ = Propagation::automatic;
  double event_threshold_ = default_event_threshold;
};

}  // namespace dualspike
