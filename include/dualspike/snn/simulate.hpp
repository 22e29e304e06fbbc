#pragma once
/// \file simulate.hpp
/// Time-stepped SNN inference over a data set: accuracy after every time step t = 1..T,
/// agreement with reference (ANN) predictions, spike and synaptic-operation counts.
/// Memory grows with the batch size, never with T.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "../core/argmax.hpp"
#include "../core/checks.hpp"
#include "../core/parallel.hpp"
#include "../data/dataset.hpp"
#include "../network/tuple_utils.hpp"
#include "runner.hpp"

namespace dualspike {

/// Options of `simulate`.
struct SimulateOptions {
  std::size_t time_steps = 32;  ///< T in [1, max_time_steps]
  /// Upper bound on T (per-step results take (4 + 2 x neuron layers) x 8 bytes per step,
  /// and the counters 2 x 8 bytes per step and layer).
  static constexpr std::size_t max_time_steps = 1'000'000;
  std::size_t batch_size = 1000;
  /// Threads that share the batch (each runs its own tile of samples with its own state
  /// on the one const network); 0 = OpenMP's default (OMP_NUM_THREADS or all cores).
  int threads = 0;
  /// Optional per-sample reference predictions (e.g. the ANN's, from `evaluate`); when
  /// given, `SimulationResult::agreement[t-1]` is filled. (A copy, so a temporary such as
  /// `evaluate(ann, test).predictions` is safe.)
  std::vector<std::int32_t> reference_predictions{};

  /// \throws ConfigError unless `steps` (the option named `field`) is in [1, max_time_steps].
  static void require_time_steps(std::size_t steps, const std::string& field) {
    require_at_least_one(steps, field.c_str());
    if (steps > max_time_steps)
      throw ConfigError(field + " = " + std::to_string(steps) + ", expected <= " + std::to_string(max_time_steps));
  }

  void validate() const {
    require_time_steps(time_steps, "SimulateOptions.time_steps");
    require_at_least_one(batch_size, "SimulateOptions.batch_size");
    if (threads < 0 || threads > 4096)
      throw ConfigError("SimulateOptions.threads = " + std::to_string(threads) + ", expected 0 (default) .. 4096");
  }
};

/// What `simulate` measured. Index t-1 holds the value after time step t (there is no
/// t = 0 entry).
///
/// Operation counts (paper Table 5): an SOP is one spike reaching one synapse, each spike
/// counted with its neuron's exact fan-out (borders, strides and pooling windows included;
/// snn/fan_out_map.hpp). The layers before the first neuron layer see the analog input
/// once per input; their multiply-accumulates are `input_macs_per_sample`, not SOPs.
struct SimulationResult {
  std::size_t samples = 0;
  std::vector<double> accuracy;   ///< in [0, 1]: argmax of the integrated readout U(t) vs labels
  std::vector<double> agreement;  ///< in [0, 1]: SNN prediction at t == reference (empty if none)
  std::vector<double> spikes_per_sample;  ///< mean number of spikes (+ and -) per sample at step t
  std::vector<double> sops_per_sample;    ///< mean synaptic operations per sample at step t
  /// Indices (in the SNN) of the neuron layers, the rows of the per-layer counts below.
  std::vector<std::size_t> neuron_layers;
  /// `[k][t-1]`: mean spikes / SOPs per sample of neuron layer `neuron_layers[k]` at step t.
  std::vector<std::vector<double>> spikes_per_layer, sops_per_layer;
  /// Multiply-accumulates per sample of the layers before the first neuron layer (the
  /// analog input's current, computed once per input: `input_layer_macs`).
  double input_macs_per_sample = 0.0;

  /// Smallest T (1-based) with accuracy[T-1] >= target - tolerance, if any (latency).
  [[nodiscard]] std::optional<std::size_t> latency(double target, double tolerance = 0.0) const {
    for (std::size_t t = 0; t < accuracy.size(); ++t)
      if (accuracy[t] >= target - tolerance) return t + 1;
    return std::nullopt;
  }
  /// Total SOPs per sample over steps 1..t.
  [[nodiscard]] double cumulative_sops(std::size_t t) const {
    double s = 0.0;
    for (std::size_t k = 0; k < std::min(t, sops_per_sample.size()); ++k) s += sops_per_sample[k];
    return s;
  }
};

/// Runs the SNN of `runner` for `options.time_steps` steps on every sample of `data`.
/// Totals are exact integer counts (spikes, and SOPs with each neuron's exact fan-out),
/// merged in any order, so they do not depend on how the batch was split over threads.
/// (The spikes themselves may: with `Propagation::automatic` each thread's tile of the
/// batch chooses its synapses' path from its own change fraction, and the paths agree up to
/// float rounding; `Propagation::dense` or `event` fixes the path.)
/// \throws ShapeError if the data's sample shape differs from the network's input, it has
/// more classes than the network has outputs, or the reference predictions have the wrong
/// length; ConfigError for T = 0 or T > max_time_steps, batch size 0, an empty data set, a
/// label out of range, a NaN/inf image value.
template <class Snn>
[[nodiscard]] SimulationResult simulate(const Runner<Snn>& runner, const Dataset& data, const SimulateOptions& options) {
  options.validate();
  check_input_shape<typename Snn::input_shape>(data, "simulate", Snn::output_shape::size);
  data.validate();
  const bool with_reference = !options.reference_predictions.empty();
  if (with_reference && options.reference_predictions.size() != data.size())
    throw ShapeError("simulate: " + std::to_string(options.reference_predictions.size()) +
                     " reference predictions for " + std::to_string(data.size()) + " samples");

  constexpr std::size_t L = Snn::num_layers;
  const std::size_t T = options.time_steps;
  // Per-step counters (64-bit: 1e6 steps x 2^32 samples cannot overflow them); spikes per
  // step and layer, t * L + layer.
  std::vector<std::uint64_t> correct(T, 0), agree(T, 0), spikes(T * L, 0), sops(T * L, 0);
#ifdef _OPENMP
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
#else
  const int threads = 1;
  (void)threads;
#endif
  DUALSPIKE_OMP(parallel num_threads(threads))
  {
#ifdef _OPENMP
    const std::size_t tid = static_cast<std::size_t>(omp_get_thread_num());
    const std::size_t team = static_cast<std::size_t>(omp_get_num_threads());
#else
    const std::size_t tid = 0, team = 1;
#endif
    std::vector<std::uint64_t> my_correct(T, 0), my_agree(T, 0), my_spikes(T * L, 0), my_sops(T * L, 0);
    typename Runner<Snn>::State state;
    std::vector<std::int32_t> predicted;
    for (std::size_t first = 0; first < data.size(); first += options.batch_size) {
      // This thread's tile of the batch: columns [lo, hi).
      const std::size_t n = std::min(options.batch_size, data.size() - first);
      const std::size_t lo = first + n * tid / team, hi = first + n * (tid + 1) / team;
      if (lo == hi) continue;
      runner.begin(data.images.middleCols(static_cast<Eigen::Index>(lo), static_cast<Eigen::Index>(hi - lo)), state);
      predicted.resize(hi - lo);
      runner.run(state, T, [&](std::size_t step, const typename Runner<Snn>::State& st) {
        const std::size_t t = step - 1;
        argmax_columns(st.readout(), predicted);
        for (std::size_t j = 0; j < hi - lo; ++j) {
          my_correct[t] += predicted[j] == data.labels[lo + j];
          if (with_reference) my_agree[t] += predicted[j] == options.reference_predictions[lo + j];
        }
        for (std::size_t l = 0; l < L; ++l) {
          my_spikes[t * L + l] += st.spikes()[l];
          my_sops[t * L + l] += st.sops()[l];
        }
      });
    }
    DUALSPIKE_OMP(critical(dualspike_simulate_merge))
    for (std::size_t t = 0; t < T; ++t) {
      correct[t] += my_correct[t];
      agree[t] += my_agree[t];
      for (std::size_t l = 0; l < L; ++l) {
        spikes[t * L + l] += my_spikes[t * L + l];
        sops[t * L + l] += my_sops[t * L + l];
      }
    }
  }

  SimulationResult r;
  r.samples = data.size();
  const double inv_n = data.size() > 0 ? 1.0 / static_cast<double>(data.size()) : 0.0;
  r.input_macs_per_sample = static_cast<double>(input_layer_macs<Snn>());
  r.neuron_layers.assign(Snn::neuron_layers.begin(), Snn::neuron_layers.end());
  r.spikes_per_layer.assign(r.neuron_layers.size(), std::vector<double>(T));
  r.sops_per_layer.assign(r.neuron_layers.size(), std::vector<double>(T));
  for (std::size_t t = 0; t < T; ++t) {
    r.accuracy.push_back(static_cast<double>(correct[t]) * inv_n);
    if (with_reference) r.agreement.push_back(static_cast<double>(agree[t]) * inv_n);
    std::uint64_t total_spikes = 0, total_sops = 0;
    for (std::size_t k = 0; k < r.neuron_layers.size(); ++k) {
      const std::size_t l = r.neuron_layers[k];
      total_spikes += spikes[t * L + l];
      total_sops += sops[t * L + l];
      r.spikes_per_layer[k][t] = static_cast<double>(spikes[t * L + l]) * inv_n;
      r.sops_per_layer[k][t] = static_cast<double>(sops[t * L + l]) * inv_n;
    }
    r.spikes_per_sample.push_back(static_cast<double>(total_spikes) * inv_n);
    r.sops_per_sample.push_back(static_cast<double>(total_sops) * inv_n);
  }
  return r;
}

/// `simulate` with a default runner of `snn` (a copy of the network; build a `Runner` to
/// calibrate it or choose its propagation).
/// \throws as above; ConfigError for a NaN/inf parameter.
template <class... Layers>
[[nodiscard]] SimulationResult simulate(const SpikingSequential<Layers...>& snn, const Dataset& data,
                                        const SimulateOptions& options) {
  options.validate();
  return simulate(Runner<SpikingSequential<Layers...>>(snn), data, options);
}

}  // namespace dualspike
