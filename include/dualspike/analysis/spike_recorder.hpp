#pragma once
/// \file spike_recorder.hpp
/// Spike recording (the field's "monitor"): the spike trains of chosen neuron layers for
/// chosen samples, for rasters and for inspecting single neurons. Opt-in and bounded: only
/// the chosen samples run, and the record holds one byte per neuron, sample and step of
/// the chosen layers, refused up front beyond `SpikeRecordOptions::max_bytes`.
///
///     ds::SpikeRecordOptions opt{.time_steps = 16, .layers = {1, 3}, .samples = {0, 7}};
///     ds::SpikeRecord rec = ds::record_spikes(runner, test.images, opt);
///     auto s = rec.spikes(0, 5, 1);   // layer 1, step t = 5, sample 7: -1 / 0 / +1 per neuron
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../core/checks.hpp"
#include "../core/errors.hpp"
#include "../network/tuple_utils.hpp"
#include "../snn/runner.hpp"
#include "../snn/simulate.hpp"

namespace dualspike {

/// What `record_spikes` records.
struct SpikeRecordOptions {
  std::size_t time_steps = 32;        ///< T in [1, SimulateOptions::max_time_steps]
  std::vector<std::size_t> layers;    ///< SNN layer indices, each a neuron layer, at least one
  std::vector<std::size_t> samples;   ///< columns of the input, at least one
  std::size_t max_bytes = std::size_t{256} << 20;  ///< cap on the record (1 byte per spike slot)
};

/// Recorded spike trains: values -1 (negative spike), 0, +1 (positive spike).
class SpikeRecord {
 public:
  SpikeRecord() = default;
  SpikeRecord(std::vector<std::size_t> layers, std::vector<std::size_t> neurons, std::vector<std::size_t> samples,
              std::size_t time_steps)
      : layers_(std::move(layers)), neurons_(std::move(neurons)), samples_(std::move(samples)), steps_(time_steps) {
    data_.resize(layers_.size());
    for (std::size_t k = 0; k < layers_.size(); ++k) data_[k].assign(steps_ * samples_.size() * neurons_[k], 0);
  }

  [[nodiscard]] const std::vector<std::size_t>& layers() const noexcept { return layers_; }
  [[nodiscard]] const std::vector<std::size_t>& samples() const noexcept { return samples_; }
  [[nodiscard]] std::size_t time_steps() const noexcept { return steps_; }
  /// Neurons of the k-th recorded layer.
  [[nodiscard]] std::size_t neurons(std::size_t k) const { return neurons_.at(k); }

  /// The spikes of the k-th recorded layer at step `t` (1-based) for the s-th recorded
  /// sample: one value per neuron (CHW order).
  /// \throws std::out_of_range for k, t or s out of range.
  [[nodiscard]] std::span<const std::int8_t> spikes(std::size_t k, std::size_t t, std::size_t s) const {
    const std::size_t at = offset(k, t, s);  // checks k, t and s before data_[k] is touched
    return {data_[k].data() + at, neurons_[k]};
  }

  /// Every spike as a CSV row `layer,sample,t,neuron,spike` (layer = SNN index, sample =
  /// input column, spike = +1 / -1), in the order layer, sample, t, neuron: the input of a
  /// raster plot (tools/plot_raster.py).
  void write_csv(std::ostream& out) const {
    out << "layer,sample,t,neuron,spike\n";
    for (std::size_t k = 0; k < layers_.size(); ++k)
      for (std::size_t s = 0; s < samples_.size(); ++s)
        for (std::size_t t = 1; t <= steps_; ++t) {
          const auto v = spikes(k, t, s);
          for (std::size_t i = 0; i < v.size(); ++i)
            if (v[i] != 0)
              out << layers_[k] << ',' << samples_[s] << ',' << t << ',' << i << ',' << static_cast<int>(v[i]) << '\n';
        }
  }

 private:
  std::vector<std::size_t> layers_, neurons_, samples_;
  std::size_t steps_ = 0;
  std::vector<std::vector<std::int8_t>> data_;  ///< per layer: [t-1][sample][neuron]

  [[nodiscard]] std::size_t offset(std::size_t k, std::size_t t, std::size_t s) const {
    if (k >= layers_.size() || t == 0 || t > steps_ || s >= samples_.size())
      throw std::out_of_range("SpikeRecord: (layer " + std::to_string(k) + ", t " + std::to_string(t) + ", sample " +
                              std::to_string(s) + ") outside the record");
    return ((t - 1) * samples_.size() + s) * neurons_[k];
  }
  template <class Snn>
  friend SpikeRecord record_spikes(const Runner<Snn>&, const Matrix&, const SpikeRecordOptions&);
};

/// Runs the SNN of `runner` on the chosen samples (columns of `x`, `input_size x samples`)
/// for T steps and records the spikes of the chosen neuron layers.
/// \throws ConfigError for T = 0 or too large, no layers or samples, a layer index that does
/// not exist or is not a neuron layer, a sample index beyond `x`, a NaN/inf input, or a
/// record larger than `max_bytes`; ShapeError if `x` has the wrong number of rows - all
/// before any simulation.
template <class Snn>
SpikeRecord record_spikes(const Runner<Snn>& runner, const Matrix& x, const SpikeRecordOptions& options) {
  constexpr std::size_t L = Snn::num_layers;
  static constexpr std::array<std::size_t, L> sizes = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<std::size_t, L>{
        (SpikingNeuron<typename Snn::template layer_type<I>> ? Snn::template layer_type<I>::output_shape::size : 0)...};
  }(std::make_index_sequence<L>{});

  const std::size_t T = options.time_steps;
  SimulateOptions::require_time_steps(T, "SpikeRecordOptions.time_steps");
  if (options.layers.empty()) throw ConfigError("SpikeRecordOptions.layers is empty: name at least one neuron layer");
  if (options.samples.empty()) throw ConfigError("SpikeRecordOptions.samples is empty: name at least one sample");
  std::vector<std::size_t> neurons;
  std::size_t per_step = 0;  // bytes per step and sample
  for (const std::size_t l : options.layers) {
    if (l >= L || sizes[l] == 0)
      throw ConfigError("SpikeRecordOptions.layers: " + std::to_string(l) + " is not a neuron layer of the SNN (" +
                        std::to_string(L) + " layers)");
    neurons.push_back(sizes[l]);
    per_step += sizes[l];
  }
  if (static_cast<std::size_t>(x.rows()) != Snn::input_shape::size)
    throw ShapeError("record_spikes: x has " + std::to_string(x.rows()) + " rows (features), expected " +
                     std::to_string(Snn::input_shape::size));
  for (const std::size_t s : options.samples)
    if (s >= static_cast<std::size_t>(x.cols()))
      throw ConfigError("SpikeRecordOptions.samples: " + std::to_string(s) + " is beyond the input's " +
                        std::to_string(x.cols()) + " samples");
  const std::size_t n = options.samples.size();
  // bytes = T * n * per_step, compared without overflow.
  if (per_step > options.max_bytes / n || T > options.max_bytes / (n * per_step))
    throw ConfigError("SpikeRecordOptions: " + std::to_string(T) + " steps x " + std::to_string(n) + " samples x " +
                      std::to_string(per_step) + " neurons exceed max_bytes = " + std::to_string(options.max_bytes));

  Matrix chosen(x.rows(), static_cast<Eigen::Index>(n));
  for (std::size_t s = 0; s < n; ++s) chosen.col(static_cast<Eigen::Index>(s)) = x.col(static_cast<Eigen::Index>(options.samples[s]));
  require_all_finite(chosen.reshaped(), "record_spikes.x");

  SpikeRecord record(options.layers, neurons, options.samples, T);
  auto state = runner.begin(chosen);
  for (std::size_t t = 1; t <= T; ++t)
    runner.step(state, [&](auto layer, const Matrix& out) {
      constexpr std::size_t l = decltype(layer)::value;
      for (std::size_t k = 0; k < options.layers.size(); ++k) {
        if (options.layers[k] != l) continue;
        for (std::size_t s = 0; s < n; ++s) {
          const float* o = out.col(static_cast<Eigen::Index>(s)).data();
          const std::size_t at = record.offset(k, t, s);
          std::int8_t* dst = record.data_[k].data() + at;
          for (std::size_t i = 0; i < neurons[k]; ++i) dst[i] = static_cast<std::int8_t>((o[i] > 0.0f) - (o[i] < 0.0f));
        }
      }
    });
  return record;
}

}  // namespace dualspike
