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
///    starting from x(0) = 0, so step 1 costs only the neurons that spike at once (or from
///    the nearest of the reference inputs fitted by `calibrate_event_reference`);
///    Conv2d synapses likewise scatter the input changes into their output map
///    (conv_delta_propagation.hpp);
///    `set_propagation` selects the path (all give the same result up to float rounding);
///  - `run` advances several steps at once: for small batches it evaluates the network
///    layer by layer over blocks of time steps, so each weight is read once per block
///    (batch-1 streaming is bound by reading the weights).
#include <array>
#include <string>
#include <cstddef>
#include <memory>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "../core/checks.hpp"
#include "../core/errors.hpp"
#include "../core/shape.hpp"
#include "../network/layer.hpp"
#include "../network/tuple_utils.hpp"
#include "conv_delta_propagation.hpp"
#include "delta_propagation.hpp"
#include "layer_roles.hpp"

namespace dualspike {

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
    /// Time blocks (`run`): neuron outputs of every step of the block, and their spike counts.
    std::array<Matrix, 2> block_buffers;
    std::vector<std::array<std::size_t, num_layers>> block_spikes;
  };

  SpikingSequential() = default;
  explicit SpikingSequential(Layers... layers) : layers_(std::move(layers)...) {}

  template <std::size_t I>
  [[nodiscard]] const layer_type<I>& get() const noexcept {
    return std::get<I>(layers_);
  }
  /// Mutable access to layer I. Since the caller may change its weights, this drops the
  /// calibrated event references (`calibrate_event_reference`), whose currents were
  /// computed from the old weights.
  template <std::size_t I>
  [[nodiscard]] layer_type<I>& get() noexcept {
    references_ = {};
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
                    std::is_same_v<typename detail::layer_state<layer_type<i>>::type, DeltaSynapseState>) {
        const auto& ref = std::get<i>(references_);
        if (!ref)
          std::get<i>(s.layer_states).prime_from_zero(get<i>().bias,
                                                      static_cast<Eigen::Index>(layer_type<i>::in_features), s.batch);
        else
          std::get<i>(s.layer_states).prime_from(ref);
      }
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
          s.spikes[i] = spike_count(out);
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

  /// Largest time block `run` uses for a batch of `batch` samples: 63 / batch steps, so a
  /// block has fewer than 64 columns (a batch of 64 and more would open OpenMP threads in
  /// `apply_changes`); 1 for batches of 32 and more, where `run` is `step` repeated.
  [[nodiscard]] static constexpr std::size_t max_time_block(Eigen::Index batch) noexcept {
    return batch >= 32 ? 1 : static_cast<std::size_t>(63 / std::max<Eigen::Index>(batch, 1));
  }

  /// Advances `steps` time steps (the same as `steps` calls of `step`, up to float
  /// rounding) and calls `on_step(t, state)` after each, t = 1..steps counted from this
  /// call. In the callback `state.readout` (U(t)), `state.spikes` (step t's counts) and
  /// `state.batch` are those of step t; the membrane potentials and synaptic currents may
  /// already be those of a later step of the same block. Call after `begin`; after an
  /// exception (from `on_step` or an allocation) call `begin` again.
  ///
  /// For batches of up to 31 samples and networks with only dense synapses and neuron
  /// layers after the first neuron layer, the steps are evaluated in blocks (up to
  /// `max_time_block(batch)` steps, all blocks about equally long): each layer runs every
  /// step of the block before the next layer starts, and a dense synapse applies the input
  /// changes of all the block's steps in one pass over its weights (`propagate_dense_steps`),
  /// so each weight is read once per block rather than once per step. Other networks
  /// (Conv2d, AvgPool2d ...) and larger batches run `step` repeatedly. Memory grows with the
  /// block (fewer than 64 columns per layer), never with T.
  template <class OnStep>
  void run(State& s, std::size_t steps, OnStep&& on_step) const {
    constexpr bool blockable = first_neuron < num_layers && []<std::size_t... I>(std::index_sequence<I...>) {
      return ((I < first_neuron || detail::TimeBlockLayer<layer_type<I>>) && ...);
    }(std::make_index_sequence<num_layers>{});
    // (An empty batch runs step by step, which handles it.)
    const std::size_t max_block = blockable && s.batch > 0 ? max_time_block(s.batch) : 1;
    std::size_t done = 0;
    if (max_block > 1) {
      const std::size_t blocks = (steps + max_block - 1) / max_block;
      for (std::size_t b = 0; b < blocks; ++b) {
        // Blocks of about equal length, so the block buffers keep their size.
        const std::size_t n = steps * (b + 1) / blocks - steps * b / blocks;
        if constexpr (blockable) step_block(s, static_cast<Eigen::Index>(n));
        for (std::size_t t = 0; t < n; ++t) {
          s.readout += s.block_buffers[0].middleCols(static_cast<Eigen::Index>(t) * s.batch, s.batch);
          s.spikes = s.block_spikes[t];
          on_step(++done, static_cast<const State&>(s));
        }
      }
    } else {
      for (; done < steps;) {
        step(s);
        on_step(++done, static_cast<const State&>(s));
      }
    }
  }
  /// `run` without a per-step callback: the readout after the last step is in `s.readout`.
  void run(State& s, std::size_t steps) const {
    run(s, steps, [](std::size_t, const State&) {});
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

  /// Calibrates where the event path of each dense synapse after the first neuron layer
  /// starts a run: runs `x` (`input_shape::size x samples`; a few hundred training images
  /// do) for one step and groups the step-1 inputs of each such synapse into
  /// `references_per_synapse` references (`reference_from_samples`: k-modes over values
  /// 0, +Vth and -Vth), each with the current it causes. A later run starts every sample
  /// from the reference nearest to its own step-1 input rather than from x(0) = 0, so step
  /// 1 costs only the inputs that differ from it (Net1 on MNIST, per test image, of layer
  /// 1's 1,200 neurons: ~880 from 0, ~550 from 1 reference, ~390 from 16;
  /// docs/benchmarks.md). Results are unchanged up to float rounding. Set before sharing
  /// the network between threads; runs already begun keep the references they started with.
  /// \throws ShapeError if `x` has the wrong number of rows; ConfigError if
  /// `references_per_synapse` is 0, `x` has no columns or a NaN/inf value, or the network
  /// has a NaN/inf parameter (`validate`). A refused calibration keeps the previous references.
  void calibrate_event_reference(const Matrix& x, std::size_t references_per_synapse = default_event_references) {
    const std::string where = "SpikingSequential.calibrate_event_reference: ";
    require_at_least_one(references_per_synapse, "SpikingSequential.calibrate_event_reference.references_per_synapse");
    if (static_cast<std::size_t>(x.rows()) != input_shape::size)
      throw ShapeError(where + "x has " + std::to_string(x.rows()) + " rows (features), expected " +
                       std::to_string(input_shape::size));
    if (x.cols() == 0) throw ConfigError(where + "x has no samples (0 columns)");
    require_all_finite(x.reshaped(), "SpikingSequential.calibrate_event_reference.x");
    validate();
    State s;
    // The event path records every synapse's step-1 input in its state's previous_input
    // (and computes them as the runs it calibrates for do: `begin` uses the mode too).
    const Propagation mode = propagation_;
    propagation_ = Propagation::event;
    try {
      begin(x, s);
      step(s);
    } catch (...) {
      propagation_ = mode;
      throw;
    }
    propagation_ = mode;
    decltype(references_) references;
    detail::for_each_index<num_layers>([&](auto i) {
      if constexpr (i.value >= first_neuron && std::is_same_v<typename detail::layer_reference<layer_type<i>>::type,
                                                              std::shared_ptr<const SynapseReference>>)
        std::get<i>(references) = std::make_shared<const SynapseReference>(
            reference_from_samples(std::get<i>(layers_).weight, std::get<i>(layers_).bias,
                                   std::get<i>(s.layer_states).previous_input, references_per_synapse));
    });
    references_ = std::move(references);
  }
  /// Runs start from x(0) = 0 again.
  void clear_event_reference() { references_ = {}; }
  /// The references of layer `I`, a dense synapse (empty unless calibrated). The reference
  /// stays valid until the network's references change (`calibrate_event_reference`,
  /// `clear_event_reference`, the mutable `get<I>()`).
  template <std::size_t I>
  [[nodiscard]] const SynapseReference& event_reference() const noexcept {
    static_assert(std::is_same_v<typename detail::layer_reference<layer_type<I>>::type,
                                 std::shared_ptr<const SynapseReference>>,
                  "dualspike::SpikingSequential::event_reference<I>: layer I is not a dense synapse");
    static const SynapseReference none;
    return std::get<I>(references_) ? *std::get<I>(references_) : none;
  }
  /// References per dense synapse that `calibrate_event_reference` fits by default. On
  /// Net1 (MNIST, 1,000 training images) step 1 of layer 2 then lists ~390 rather than
  /// ~550 (1 reference) changed inputs of 1,200 per test image; choosing the nearest of 16
  /// costs ~16 x 1,200 compares per sample.
  static constexpr std::size_t default_event_references = 16;

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
  /// Non-zero spikes (+1 and -1) in a neuron layer's output.
  template <class Spikes>
  [[nodiscard]] static std::size_t spike_count(const Spikes& out) {
    return static_cast<std::size_t>((out.array() != 0.0f).count());
  }

  /// One time block of `n` steps (see `run`); leaves the last layer's output of every step
  /// of the block in `s.block_buffers[0]` (`output_shape::size x (n * batch)`) and the
  /// spike counts in `s.block_spikes`.
  void step_block(State& s, Eigen::Index n) const {
    s.block_spikes.resize(static_cast<std::size_t>(n));
    const Matrix* in = &s.input_current;
    std::size_t cur = 1;
    detail::for_each_index<num_layers - first_neuron>([&](auto k) {
      constexpr std::size_t i = first_neuron + k.value;
      if constexpr (NeuronLayer<layer_type<i>>) {
        Matrix& out = s.block_buffers[cur];
        get<i>().steps(*in, std::get<i>(s.layer_states), out, n);
        for (Eigen::Index t = 0; t < n; ++t)
          s.block_spikes[static_cast<std::size_t>(t)][i] = spike_count(out.middleCols(t * s.batch, s.batch));
        in = &out;
        cur = 1 - cur;
      } else {
        const auto& layer = get<i>();
        in = &propagate_dense_steps(layer.weight, layer.bias, *in, s.batch, std::get<i>(s.layer_states), propagation_,
                                    event_threshold_);
        for (auto& counts : s.block_spikes) counts[i] = 0;
      }
    });
    if (in != &s.block_buffers[0]) s.block_buffers[0] = *in;
  }

  layers_type layers_;
  std::tuple<typename detail::layer_reference<Layers>::type...> references_;
  Propagation propagation_ = Propagation::automatic;
  double event_threshold_ = default_event_threshold;
};

}  // namespace dualspike
