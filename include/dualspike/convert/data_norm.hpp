#pragma once
/// \file data_norm.hpp
/// Data-based normalization (Diehl et al. 2015: the layer's maximum activation; Rueckauer
/// et al. 2017: a percentile of it), the classic route for networks trained with plain
/// ReLU / LeakyReLU. The ANN runs on calibration inputs (training images); for each
/// unbounded activation layer l, lambda_l is the chosen statistic of its positive
/// activations. Then the synapses are rescaled so that lambda_l maps to the neurons'
/// threshold 1: between neuron layers l-1 and l (lambda = 1 for the input and the readout)
/// the first weighted synapse's weights are multiplied by lambda_{l-1} / lambda_l and every
/// synapse's bias is divided by lambda_l, which divides the current reaching layer l by
/// lambda_l exactly. Bounded activations (stReLU, tReLU, atLeakyReLU) keep lambda = 1.
/// BatchNorm folding happens first, as in `to_snn`.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "../core/checks.hpp"
#include "../core/errors.hpp"
#include "../network/tuple_utils.hpp"
#include "to_snn.hpp"

namespace dualspike {

/// Calibration of data-based normalization.
struct DataNorm {
  /// Calibration inputs, `input_size x samples` (column = sample), e.g. a few thousand
  /// training images.
  Matrix inputs;
  /// The statistic: the `percentile`-th percentile (nearest rank) of each layer's positive
  /// activations, in (0, 100]; 100 is the maximum (Diehl 2015), 99.9 Rueckauer's default.
  double percentile = 99.9;
  /// Samples per forward pass of the ANN.
  std::size_t batch_size = 500;
  /// Largest number of activation values kept for the percentiles (samples x the sizes of
  /// the unbounded activation layers); more is refused before any work.
  static constexpr std::size_t max_values = std::size_t{1} << 27;
};

/// The statistic of `values` (all > 0, at least one): the ceil(p n / 100)-th smallest
/// (nearest-rank percentile; p = 100 gives the maximum). Reorders `values`.
[[nodiscard]] inline float nearest_rank_percentile(std::vector<float>& values, double percentile) {
  const double n = static_cast<double>(values.size());
  // (the small slack keeps 99.9 % of 1,000 values at rank 999 despite 99.9's binary rounding)
  const double rank = std::clamp(std::ceil(percentile * n / 100.0 - 1e-7), 1.0, n);
  const auto k = static_cast<std::ptrdiff_t>(rank) - 1;
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[static_cast<std::size_t>(k)];
}

/// The activations per sample that data-based normalization of `Net` keeps (the outputs of
/// its unbounded activation layers), and so the most calibration samples `DataNorm`
/// accepts for it: `DataNorm::max_values / data_norm_values_per_sample<Net>()`.
template <class Net>
[[nodiscard]] constexpr std::size_t data_norm_values_per_sample() {
  using layers = typename Net::layers_type;
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return ((needs_data_norm_v<std::tuple_element_t<I, layers>> ? std::tuple_element_t<I, layers>::output_shape::size
                                                                 : std::size_t{0}) + ... + std::size_t{0});
  }(std::make_index_sequence<Net::num_layers>{});
}

/// lambda of every layer of `ann` whose spiking counterpart is a neuron layer, in layer
/// order: the statistic of `norm` over its positive activations on `norm.inputs` for
/// unbounded activations (ReLU, LeakyReLU), 1 for the others.
/// \throws ShapeError if the inputs do not have `Net::input_shape::size` rows; ConfigError
/// for a percentile outside (0, 100] or NaN, no samples, a NaN/inf input value, batch size
/// 0, more than `DataNorm::max_values` values, an invalid network, or an unbounded layer
/// with no positive activation on the calibration inputs (a dead layer, or inputs unlike
/// the training data: its scale would be undefined).
template <class Net>
[[nodiscard]] std::vector<float> data_norm_scales(const Net& ann, const DataNorm& norm) {
  using layers = typename Net::layers_type;
  constexpr std::size_t n_layers = Net::num_layers;
  static constexpr std::array<bool, n_layers> needs = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<bool, n_layers>{needs_data_norm_v<std::tuple_element_t<I, layers>>...};
  }(std::make_index_sequence<n_layers>{});
  static constexpr std::array<bool, n_layers> neuron = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<bool, n_layers>{converts_to_neuron_v<std::tuple_element_t<I, layers>>...};
  }(std::make_index_sequence<n_layers>{});

  if (!(norm.percentile > 0.0 && norm.percentile <= 100.0))
    throw ConfigError("DataNorm.percentile = " + format_value(norm.percentile) + ", expected a value in (0, 100]");
  require_at_least_one(norm.batch_size, "DataNorm.batch_size");
  if (static_cast<std::size_t>(norm.inputs.rows()) != Net::input_shape::size)
    throw ShapeError("DataNorm.inputs has " + std::to_string(norm.inputs.rows()) + " rows (features), expected " +
                     std::to_string(Net::input_shape::size));
  if (norm.inputs.cols() == 0) throw ConfigError("DataNorm.inputs has no samples (0 columns)");
  const auto samples = static_cast<std::size_t>(norm.inputs.cols());
  constexpr std::size_t per_sample = data_norm_values_per_sample<Net>();
  if (per_sample > 0 && samples > DataNorm::max_values / per_sample)
    throw ConfigError("DataNorm.inputs: " + std::to_string(samples) + " samples x " + std::to_string(per_sample) +
                      " activations of the unbounded layers exceed DataNorm::max_values = " +
                      std::to_string(DataNorm::max_values) + "; use fewer calibration samples");
  require_all_finite(norm.inputs.reshaped(), "DataNorm.inputs");
  ann.validate();

  std::array<std::vector<float>, n_layers> positive;
  Matrix a, b;
  for (std::size_t first = 0; first < samples && per_sample > 0; first += norm.batch_size) {
    const std::size_t n = std::min(norm.batch_size, samples - first);
    a = norm.inputs.middleCols(static_cast<Eigen::Index>(first), static_cast<Eigen::Index>(n));
    detail::for_each_index<n_layers>([&](auto i) {
      std::get<i.value>(ann.layers()).forward(a, b);
      a.swap(b);
      if constexpr (needs[i.value])
        for (Eigen::Index k = 0; k < a.size(); ++k)
          if (a.data()[k] > 0.0f) positive[i.value].push_back(a.data()[k]);
    });
  }
  std::vector<float> scales;
  for (std::size_t i = 0; i < n_layers; ++i) {
    if (!neuron[i]) continue;
    if (!needs[i]) {
      scales.push_back(1.0f);
      continue;
    }
    if (positive[i].empty())
      throw ConfigError("DataNorm: layer " + std::to_string(i) + " has no positive activation on the " +
                        std::to_string(samples) +
                        " calibration samples, so its scale is undefined (a dead layer, or calibration inputs unlike "
                        "the training data)");
    scales.push_back(nearest_rank_percentile(positive[i], norm.percentile));
    std::vector<float>().swap(positive[i]);
  }
  return scales;
}

namespace detail {
/// Rescales the synapses of `snn` for neuron scales `scales` (one per neuron layer, in
/// order; see the file comment).
template <class Snn>
void apply_data_norm(Snn& snn, const std::vector<float>& scales) {
  constexpr std::size_t n = Snn::num_layers;
  std::size_t neuron = 0;      // neuron layers passed so far
  bool weighted_done = false;  // the segment's first weighted synapse has been scaled
  for_each_index<n>([&](auto i) {
    using L = typename Snn::template layer_type<i.value>;
    if constexpr (SpikingNeuron<L>) {
      ++neuron;
      weighted_done = false;
    } else {
      static_assert(requires { data_norm_rescale<L>::weighted; },
                    "dualspike::to_snn with DataNorm: a synapse of this network has no data_norm_rescale "
                    "specialization (snn_counterpart.hpp), so it cannot be rescaled");
      const float prev = neuron > 0 ? scales[neuron - 1] : 1.0f;
      const float next = neuron < scales.size() ? scales[neuron] : 1.0f;
      float weight_factor = 1.0f;
      if (data_norm_rescale<L>::weighted && !weighted_done) {
        weight_factor = prev / next;
        weighted_done = true;
      }
      data_norm_rescale<L>::apply(snn.template get<i.value>(), weight_factor, 1.0f / next);
    }
  });
}
}  // namespace detail

/// Converts an ANN with unbounded activations (ReLU, LeakyReLU; bounded ones may be mixed
/// in) through data-based normalization: `data_norm_scales(ann, norm)`, then `to_snn`'s
/// mapping (ReLU -> single-threshold IF at 1, LeakyReLU -> asymmetric IF at 1 and 1/alpha)
/// with every synapse rescaled. Neurons fire by `Firing`.
/// \throws as `data_norm_scales` (before any conversion work).
template <class Firing = PaperFiring, class Net>
[[nodiscard]] auto to_snn(const Net& ann, const DataNorm& norm) {
  const std::vector<float> scales = data_norm_scales(ann, norm);
  auto snn = detail::convert_network<Firing, true>(ann);
  detail::apply_data_norm(snn, scales);
  return snn;
}

}  // namespace dualspike
