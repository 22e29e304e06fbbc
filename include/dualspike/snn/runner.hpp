#pragma once
/// \file runner.hpp
/// `Runner<Snn>`: the executor of a converted SNN. It owns a copy of the network (moved in
/// when given an rvalue) and everything about how it runs - which path each synapse takes,
/// the calibrated event references, the caches derived from the weights - so the network
/// type stays layers and parameters only. Users who do nothing get the fast default;
/// `simulate` builds one itself.
///
///     ds::Runner run(snn);                 // or ds::Runner run(std::move(snn));
///     run.calibrate(train_images);         // optional, speed only
///     auto st = run.begin(x);              // x: input_size x batch; V(0) = 0
///     run.run(st, 3);                      // T = 3 steps; st.readout(): output_size x batch
///
/// How it runs (same results up to float rounding on every path):
///  - the layers before the first neuron layer see the constant analog input and run once
///    per input in `begin` (a dense first layer from its non-zero pixels only);
///  - dense and Conv2d synapses after it keep their current and propagate only the input
///    changes, I(t) = I(t-1) + W (x(t) - x(t-1)), when few inputs changed (the event path,
///    delta_propagation.hpp, conv_delta_propagation.hpp), else run their GEMM;
///  - `run` evaluates small batches in blocks of time steps, layer by layer, so each weight
///    is read once per block (batch-1 streaming is bound by reading the weights).
/// One runner serves many threads (`begin`/`step`/`run` are const), one `State` per thread;
/// `calibrate` and `set_propagation` are not to be called while other threads run.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/checks.hpp"
#include "../core/errors.hpp"
#include "../core/shape.hpp"
#include "../network/spiking_layer.hpp"
#include "../network/tuple_utils.hpp"
#include "engine_slots.hpp"
#include "fan_out_map.hpp"
#include "propagation.hpp"
#include "run_state.hpp"
#include "spiking_sequential.hpp"

namespace dualspike {

/// How a runner propagates its synapses.
struct RunnerOptions {
  Propagation propagation = Propagation::automatic;
  /// With `automatic`: the event path below this fraction of changed inputs per layer and
  /// step; -1 (default) = the measured break-even of each synapse kind and batch.
  double event_threshold = -1.0;

  /// \throws ConfigError unless event_threshold is -1 or in [0, 1].
  void validate() const {
    if (!(event_threshold == -1.0 || (event_threshold >= 0.0 && event_threshold <= 1.0)))
      throw ConfigError("RunnerOptions.event_threshold = " + format_value(event_threshold) +
                        ", expected -1 (batch-dependent break-even) or a fraction in [0, 1]");
  }
};

template <class Snn>
class Runner {
 public:
  using network_type = Snn;
  using State = RunState<Snn>;
  static constexpr std::size_t num_layers = Snn::num_layers;
  static constexpr std::size_t first_neuron = Snn::first_neuron;
  /// References per dense synapse that `calibrate` fits by default.
  static constexpr std::size_t default_event_references = 16;

  /// Takes the network (a copy, or moved in) and derives its caches.
  /// \throws ConfigError / ShapeError for invalid options or NaN/inf / wrongly shaped parameters.
  explicit Runner(Snn network, RunnerOptions options = {}) : net_(std::move(network)), options_(options) {
    options_.validate();
    net_.validate();
    detail::for_each_index<num_layers>([&](auto i) {
      if constexpr (detail::has_conv_events<layer<i.value>>) std::get<i>(caches_) = net_.template get<i>().weight.transpose();
      if constexpr (SpikingNeuron<layer<i.value>>) {
        auto map = spike_fan_out<Snn, i.value>();
        const bool uniform = std::all_of(map.begin(), map.end(), [&](std::uint64_t v) { return v == map.front(); });
        uniform_fan_out_[i] = map.empty() ? 0 : map.front();
        if (!uniform) {  // else empty: every neuron has uniform_fan_out_[i]
          // One neuron reaches at most the synapses up to the next neuron layer: far below 2^32
          // for any network that fits in memory; checked all the same.
          for (const std::uint64_t v : map)
            if (v > 0xffffffffu)
              throw ConfigError("Runner: a neuron of layer " + std::to_string(i.value) + " reaches " +
                                std::to_string(v) + " synapses, more than SOP counting supports (2^32 - 1)");
          fan_out_[i].assign(map.begin(), map.end());
        }
      }
    });
  }

  [[nodiscard]] const Snn& network() const noexcept { return net_; }
  [[nodiscard]] const RunnerOptions& options() const noexcept { return options_; }
  /// \throws ConfigError unless event_threshold is -1 or in [0, 1] (nothing changes then).
  void set_propagation(Propagation mode, double event_threshold = -1.0) {
    const RunnerOptions o{mode, event_threshold};
    o.validate();
    options_ = o;
  }

  /// Calibrates where the event path of each dense synapse after the first neuron layer
  /// starts a run: runs `x` (`input_size x samples`; a few hundred training images do) for
  /// one step and groups the step-1 inputs of each such synapse into `references_per_synapse`
  /// references (k-modes over 0, +value, -value; event_reference.hpp), each with the current
  /// it causes. A later run starts every sample from the reference nearest to its own step-1
  /// input rather than from x(0) = 0, so step 1 costs only the inputs that differ from it.
  /// Results are unchanged up to float rounding; runs already begun keep their references.
  /// \throws ShapeError if `x` has the wrong number of rows; ConfigError if
  /// `references_per_synapse` is 0 or `x` has no columns or a NaN/inf value. A refused
  /// calibration keeps the previous references.
  void calibrate(const Matrix& x, std::size_t references_per_synapse = default_event_references) {
    require_at_least_one(references_per_synapse, "Runner.calibrate.references_per_synapse");
    check_input(x, "Runner.calibrate: x");
    if (x.cols() == 0) throw ConfigError("Runner.calibrate: x has no samples (0 columns)");
    require_all_finite(x.reshaped(), "Runner.calibrate.x");
    // The event path records every synapse's step-1 input in its state's previous_input,
    // computed as the runs it calibrates for compute it (`begin` uses the mode too).
    const RunnerOptions saved = options_;
    options_.propagation = Propagation::event;
    State s;
    try {
      begin(x, s);
      step(s);
    } catch (...) {
      options_ = saved;
      throw;
    }
    options_ = saved;
    auto caches = caches_;
    detail::for_each_index<num_layers>([&](auto i) {
      if constexpr (i.value >= first_neuron && detail::has_dense_events<layer<i.value>>) {
        const auto& l = net_.template get<i>();
        std::get<i>(caches) = std::make_shared<const SynapseReference>(detail::reference_from_samples(
            l.weight, l.bias, std::get<i>(s.slots_).previous_input, references_per_synapse));
      }
    });
    caches_ = std::move(caches);
  }
  /// Runs start from x(0) = 0 again.
  void clear_calibration() noexcept {
    detail::for_each_index<num_layers>([&](auto i) {
      if constexpr (detail::has_dense_events<layer<i.value>>) std::get<i>(caches_).reset();
    });
  }
  /// The references of layer `I`, a dense synapse (empty unless calibrated); valid until
  /// the next `calibrate` / `clear_calibration`.
  template <std::size_t I>
  [[nodiscard]] const SynapseReference& event_reference() const noexcept {
    static_assert(detail::has_dense_events<layer<I>>, "dualspike::Runner::event_reference<I>: layer I is not a dense synapse");
    static const SynapseReference none;
    return std::get<I>(caches_) ? *std::get<I>(caches_) : none;
  }

  /// Starts a run on input `x` (`input_size x batch`, column = sample): V(0) = 0
  /// everywhere, U(0) = 0, and the constant input current is computed once. Reuses the
  /// state's buffers.
  /// \throws ShapeError if `x` has the wrong number of rows.
  void begin(const Matrix& x, State& s) const {
    check_input(x, "Runner.begin: x");
    s.batch_ = x.cols();
    s.input_current_ = x;
    detail::for_each_index<first_neuron>([&](auto i) {
      if constexpr (i.value == 0 && detail::has_dense_events<layer<0>>) {
        // A sparse analog input (MNIST: ~80% zero pixels) costs only its non-zero pixels:
        // propagate it as a change from x = 0, whose current is the bias.
        auto& st = std::get<0>(s.slots_);
        const auto& l = net_.template get<0>();
        st.prime_from_zero(l.bias, x.rows(), x.cols());
        s.input_current_ = detail::propagate_dense(l.weight, l.bias, x, st, options_.propagation, options_.event_threshold);
      } else {
        step_layer<i.value>(s.input_current_, s, s.buffers_[i.value]);
        s.input_current_.swap(s.buffers_[i.value]);
      }
    });
    detail::for_each_index<num_layers - first_neuron>([&](auto k) {
      constexpr std::size_t i = first_neuron + k.value;
      auto& slot = std::get<i>(s.slots_);
      const auto& l = net_.template get<i>();
      if constexpr (detail::has_dense_events<layer<i>>) {
        if (!std::get<i>(caches_))
          slot.prime_from_zero(l.bias, static_cast<Eigen::Index>(layer<i>::in_features), s.batch_);
        else
          slot.prime_from(std::get<i>(caches_));
      } else if constexpr (detail::has_conv_events<layer<i>>) {
        slot.prime_from_zero(l, std::get<i>(caches_), s.batch_);
      } else {
        l.begin(slot, s.batch_);
      }
    });
    s.readout_.setZero(static_cast<Eigen::Index>(Snn::output_shape::size), s.batch_);
    s.spikes_ = {};
    s.sops_ = {};
    s.time_step_ = 0;
    s.begun_ = true;
  }
  /// `begin` into a new state.
  [[nodiscard]] State begin(const Matrix& x) const {
    State s;
    begin(x, s);
    return s;
  }

  /// Advances every layer by one time step and adds the last layer's output to the readout.
  /// \throws ConfigError if the state was never begun.
  void step(State& s) const {
    step(s, [](auto, const Matrix&) {});
  }
  /// `step`, calling `observe(std::integral_constant<std::size_t, I>{}, out)` right after
  /// each neuron layer I with its output of this step (`S::size x batch`: 0, or the value a
  /// spike carries, signed), e.g. to record spike trains (analysis/spike_recorder.hpp).
  /// `out` is valid only during the call.
  /// \throws ConfigError if the state was never begun.
  template <class Observer>
  void step(State& s, Observer&& observe) const {
    require_begun(s, "Runner.step");
    if constexpr (first_neuron == num_layers) {
      s.readout_ += s.input_current_;
    } else {
      const Matrix* in = &s.input_current_;
      detail::for_each_index<num_layers - first_neuron>([&](auto k) {
        constexpr std::size_t i = first_neuron + k.value;
        in = &step_layer<i>(*in, s, s.buffers_[i]);
        if constexpr (SpikingNeuron<layer<i>>) {
          count_spikes<i>(*in, s.spikes_[i], s.sops_[i]);
          observe(std::integral_constant<std::size_t, i>{}, *in);
        }
      });
      s.readout_ += *in;
    }
    ++s.time_step_;
  }

  /// Largest time block `run` uses for a batch of `batch` samples: 63 / batch steps, so a
  /// block has fewer than 64 columns (a batch of 64 and more would open OpenMP threads in
  /// `apply_changes`); 1 for batches of 32 and more, where `run` is `step` repeated.
  [[nodiscard]] static constexpr std::size_t max_time_block(Eigen::Index batch) noexcept {
    return batch >= 32 ? 1 : static_cast<std::size_t>(63 / std::max<Eigen::Index>(batch, 1));
  }

  /// Advances `steps` time steps (the same as `steps` calls of `step`, up to float
  /// rounding) and calls `on_step(t, state)` after each, t = 1..steps counted from this
  /// call. In the callback `readout()`, `spikes()`, `time_step()` and `batch()` are those of
  /// step t; membrane potentials and synaptic currents may already be those of a later step
  /// of the same block. After an exception (from `on_step` or an allocation) call `begin`
  /// again.
  ///
  /// For batches of up to 31 samples and networks with only dense event-path synapses and
  /// time-block neurons after the first neuron layer, the steps run in blocks (up to
  /// `max_time_block(batch)` steps, all blocks about equally long): each layer runs every
  /// step of the block before the next layer starts, and a dense synapse applies the input
  /// changes of all the block's steps in one pass over its weights, so each weight is read
  /// once per block rather than once per step. Other networks and larger batches run
  /// `step` repeatedly. Memory grows with the block (fewer than 64 columns per layer), never
  /// with T.
  /// \throws ConfigError if the state was never begun or `steps` is 0.
  template <class OnStep>
  void run(State& s, std::size_t steps, OnStep&& on_step) const {
    require_begun(s, "Runner.run");
    require_at_least_one(steps, "Runner.run.steps");
    constexpr bool blockable = first_neuron < num_layers && []<std::size_t... I>(std::index_sequence<I...>) {
      return ((I < first_neuron || detail::TimeBlockLayer<layer<I>>) && ...);
    }(std::make_index_sequence<num_layers>{});
    // (An empty batch runs step by step, which handles it.)
    const std::size_t max_block = blockable && s.batch_ > 0 ? max_time_block(s.batch_) : 1;
    std::size_t done = 0;
    if (max_block > 1) {
      const std::size_t blocks = (steps + max_block - 1) / max_block;
      for (std::size_t b = 0; b < blocks; ++b) {
        // Blocks of about equal length, so the block buffers keep their size.
        const std::size_t n = steps * (b + 1) / blocks - steps * b / blocks;
        if constexpr (blockable) step_block(s, static_cast<Eigen::Index>(n));
        for (std::size_t t = 0; t < n; ++t) {
          s.readout_ += s.block_output_->middleCols(static_cast<Eigen::Index>(t) * s.batch_, s.batch_);
          s.spikes_ = s.block_spikes_[t].spikes;
          s.sops_ = s.block_spikes_[t].sops;
          ++s.time_step_;
          on_step(++done, static_cast<const State&>(s));
        }
      }
    } else {
      while (done < steps) {
        step(s);
        on_step(++done, static_cast<const State&>(s));
      }
    }
  }
  /// `run` without a per-step callback: the readout after the last step is `s.readout()`.
  void run(State& s, std::size_t steps) const {
    run(s, steps, [](std::size_t, const State&) {});
  }

  /// Synaptic operations caused by the spikes of the latest step, over the batch: the sum
  /// of `State::sops()` (each spike counted with its neuron's exact fan-out, fan_out_map.hpp).
  [[nodiscard]] std::uint64_t sops(const State& s) const noexcept {
    std::uint64_t total = 0;
    for (const std::uint64_t v : s.sops_) total += v;
    return total;
  }
  /// The SOPs one spike of each neuron of neuron layer `I` causes (`spike_fan_out`).
  template <std::size_t I>
  [[nodiscard]] std::vector<std::uint64_t> fan_out() const
    requires SpikingNeuron<typename Snn::template layer_type<I>>
  {
    if (!fan_out_[I].empty()) return {fan_out_[I].begin(), fan_out_[I].end()};
    return std::vector<std::uint64_t>(Snn::template layer_type<I>::output_shape::size, uniform_fan_out_[I]);
  }

 private:
  template <std::size_t I>
  using layer = typename Snn::template layer_type<I>;

  static void check_input(const Matrix& x, const char* what) {
    if (static_cast<std::size_t>(x.rows()) != Snn::input_shape::size)
      throw ShapeError(std::string(what) + " has " + std::to_string(x.rows()) + " rows (features), expected " +
                       std::to_string(Snn::input_shape::size));
  }
  static void require_begun(const State& s, const char* what) {
    if (!s.begun_) throw ConfigError(std::string(what) + ": the state was never begun; call Runner::begin(x, state) first");
  }

  /// Non-zero spikes (+ and -) in the output of neuron layer I, and the SOPs they cause.
  template <std::size_t I, class Spikes>
  void count_spikes(const Spikes& out, std::size_t& spikes, std::uint64_t& sops) const {
    if (fan_out_[I].empty()) {
      spikes = static_cast<std::size_t>((out.array() != 0.0f).count());
      sops = static_cast<std::uint64_t>(spikes) * uniform_fan_out_[I];
      return;
    }
    // One pass: the spike count and the fan-outs of the neurons that spiked.
    const std::uint32_t* f = fan_out_[I].data();
    std::uint64_t n = 0, total = 0;
    for (Eigen::Index j = 0; j < out.cols(); ++j) {
      const float* o = out.col(j).data();
      std::uint64_t col_total = 0;
      std::uint32_t col_n = 0;
      for (Eigen::Index r = 0; r < out.rows(); ++r) {
        const std::uint32_t fired = o[r] != 0.0f;
        col_n += fired;
        col_total += f[r] * fired;
      }
      n += col_n;
      total += col_total;
    }
    spikes = static_cast<std::size_t>(n);
    sops = total;
  }

  /// One step of layer I on `in`; \returns its output (`out`, or the event path's current).
  template <std::size_t I>
  const Matrix& step_layer(const Matrix& in, State& s, Matrix& out) const {
    const auto& l = net_.template get<I>();
    auto& slot = std::get<I>(s.slots_);
    if constexpr (I < first_neuron && (detail::has_dense_events<layer<I>> || detail::has_conv_events<layer<I>>)) {
      l.forward(in, out);  // the constant input: once per run, on the GEMM path
      return out;
    } else if constexpr (detail::has_dense_events<layer<I>>) {
      return detail::propagate_dense(l.weight, l.bias, in, slot, options_.propagation, options_.event_threshold);
    } else if constexpr (detail::has_conv_events<layer<I>>) {
      return detail::propagate_conv(l, in, slot, options_.propagation, options_.event_threshold);
    } else {
      l.step(in, slot, out);
      return out;
    }
  }

  /// One time block of `n` steps (see `run`); leaves the last layer's output of every step
  /// of the block in `*s.block_output_` (`output_size x (n * batch)`) and the spike
  /// counts in `s.block_spikes_`.
  void step_block(State& s, Eigen::Index n) const {
    s.block_spikes_.resize(static_cast<std::size_t>(n));
    const Matrix* in = &s.input_current_;
    detail::for_each_index<num_layers - first_neuron>([&](auto k) {
      constexpr std::size_t i = first_neuron + k.value;
      const auto& l = net_.template get<i>();
      if constexpr (SpikingNeuron<layer<i>>) {
        Matrix& out = s.block_buffers_[i];
        l.steps(*in, std::get<i>(s.slots_), out, n);
        for (Eigen::Index t = 0; t < n; ++t) {
          auto& counts = s.block_spikes_[static_cast<std::size_t>(t)];
          count_spikes<i>(out.middleCols(t * s.batch_, s.batch_), counts.spikes[i], counts.sops[i]);
        }
        in = &out;
      } else {
        in = &detail::propagate_dense_steps(l.weight, l.bias, *in, s.batch_, std::get<i>(s.slots_),
                                            options_.propagation, options_.event_threshold);
        for (auto& counts : s.block_spikes_) {
          counts.spikes[i] = 0;
          counts.sops[i] = 0;
        }
      }
    });
    s.block_output_ = in;
  }

  template <class L>
  struct caches_of;
  template <class... L>
  struct caches_of<std::tuple<L...>> {
    using type = std::tuple<typename detail::runner_cache<L>::type...>;
  };

  Snn net_;
  RunnerOptions options_;
  typename caches_of<typename Snn::layers_type>::type caches_;
  /// Exact fan-out of each neuron layer's neurons; empty where all neurons share
  /// `uniform_fan_out_` (Dense next: every neuron reaches all its outputs).
  std::array<std::vector<std::uint32_t>, num_layers> fan_out_;
  std::array<std::uint64_t, num_layers> uniform_fan_out_{};
};

}  // namespace dualspike
