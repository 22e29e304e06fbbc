#pragma once
/// \file conversion_error.hpp
/// Where the conversion error comes from: for each neuron layer and each time step t, how
/// far the SNN's spike rates are from the ANN's activations (paper Section 3, eqs. 14-20:
/// the rate of an IF neuron approximates the clipped activation with an error of at most
/// one spike, 1/t, once its input is steady).
///
/// In threshold units: the ANN activation `a` of the k-th activation layer becomes the
/// rate the k-th neuron layer should fire, `z = a / (scale_k * value)`, with `value` the
/// value one spike carries (Vth for stReLU/tReLU; atLeakyReLU's positive or negative value
/// by the sign of `a`) and `scale_k` the layer's data-based normalization scale (1 unless
/// the network was converted with `DataNorm`: then pass `data_norm_scales(ann, norm)`).
/// The SNN's rate after t steps is `r(t) = (N_pos(t) - N_neg(t)) / t`. Reported per layer
/// and t over all neurons and samples: the mean of |z - r(t)|, and the fraction of
/// (neuron, sample) pairs with |z - r(t)| > 1/t - more than one spike away from the ANN
/// (a saturated neuron, |z| > 1, or one whose input is still changing).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../convert/snn_counterpart.hpp"
#include "../core/checks.hpp"
#include "../core/errors.hpp"
#include "../network/tuple_utils.hpp"
#include "../snn/runner.hpp"
#include "../snn/simulate.hpp"

namespace dualspike {

/// Options of `layer_conversion_error`.
struct LayerErrorOptions {
  std::size_t time_steps = 32;  ///< T in [1, SimulateOptions::max_time_steps]
  std::size_t batch_size = 500;  ///< samples per run (memory: 3 floats per neuron and sample)
  /// One data-based normalization scale per neuron layer, in order (empty: all 1).
  std::vector<float> activation_scales{};
};

/// Per-layer conversion error (see the file comment). Index `[k][t-1]`: neuron layer k
/// after step t.
struct LayerConversionError {
  std::size_t samples = 0;
  std::vector<std::size_t> ann_layers;   ///< index in the ANN of the k-th activation layer
  std::vector<std::size_t> snn_layers;   ///< index in the SNN of the k-th neuron layer
  std::vector<std::size_t> neurons;      ///< neurons of layer k (per sample)
  std::vector<std::vector<double>> mean_abs_error;  ///< mean |z - r(t)|, threshold units
  std::vector<std::vector<double>> fraction_off;    ///< share with |z - r(t)| > 1/t, in [0, 1]
};

namespace detail {
template <class L>
struct is_activation_layer : std::bool_constant<converts_to_neuron_v<L>> {};
/// The values a positive and a negative spike of neuron layer L carry (1 for a neuron that
/// does not say).
template <class L>
std::pair<float, float> spike_values(const L& l) {
  if constexpr (requires { l.scheme().levels(); }) {
    const auto lv = l.scheme().levels();
    return {lv.value_pos, lv.value_neg};
  } else {
    return {1.0f, 1.0f};
  }
}
}  // namespace detail

/// Per-layer conversion error of `runner`'s SNN against `ann`, the network it was converted
/// from, on inputs `x` (`input_size x samples`, column = sample), for steps t = 1..T.
/// Deterministic: sums in double, over batches in order.
/// \throws ShapeError if `x` has the wrong number of rows or `activation_scales` the wrong
/// length; ConfigError for T = 0 or too large, batch size 0, no samples, a NaN/inf input,
/// a scale that is not finite and > 0, or an invalid ANN - all before any simulation.
template <class Ann, class Snn>
[[nodiscard]] LayerConversionError layer_conversion_error(const Ann& ann, const Runner<Snn>& runner, const Matrix& x,
                                                          const LayerErrorOptions& options = {}) {
  static constexpr auto ann_idx = detail::indices_where<typename Ann::layers_type, detail::is_activation_layer>();
  static constexpr auto snn_idx = Snn::neuron_layers;
  constexpr std::size_t K = ann_idx.size();
  static_assert(K == snn_idx.size(),
                "dualspike::layer_conversion_error: the ANN's activation layers and the SNN's neuron layers differ in "
                "number (is the SNN converted from this ANN?)");
  detail::for_each_index<K>([&](auto k) {
    static_assert(Ann::template layer_type<ann_idx[k.value]>::output_shape::size ==
                      Snn::template layer_type<snn_idx[k.value]>::output_shape::size,
                  "dualspike::layer_conversion_error: an activation layer and its neuron layer differ in size");
  });

  const std::size_t T = options.time_steps;
  SimulateOptions::require_time_steps(T, "LayerErrorOptions.time_steps");
  require_at_least_one(options.batch_size, "LayerErrorOptions.batch_size");
  if (static_cast<std::size_t>(x.rows()) != Ann::input_shape::size)
    throw ShapeError("layer_conversion_error: x has " + std::to_string(x.rows()) + " rows (features), expected " +
                     std::to_string(Ann::input_shape::size));
  if (x.cols() == 0) throw ConfigError("layer_conversion_error: x has no samples (0 columns)");
  require_all_finite(x.reshaped(), "layer_conversion_error.x");
  std::vector<float> scales = options.activation_scales;
  if (scales.empty()) scales.assign(K, 1.0f);
  if (scales.size() != K)
    throw ShapeError("LayerErrorOptions.activation_scales has " + std::to_string(scales.size()) +
                     " entries, expected " + std::to_string(K) + " (one per neuron layer)");
  for (std::size_t k = 0; k < K; ++k)
    require_positive_finite(scales[k], ("LayerErrorOptions.activation_scales[" + std::to_string(k) + "]").c_str());
  ann.validate();

  LayerConversionError r;
  r.samples = static_cast<std::size_t>(x.cols());
  r.ann_layers.assign(ann_idx.begin(), ann_idx.end());
  r.snn_layers.assign(snn_idx.begin(), snn_idx.end());
  std::vector<double> abs_sum(K * T, 0.0);
  std::vector<std::uint64_t> off(K * T, 0);
  std::array<Matrix, K> target, count;
  std::array<std::pair<float, float>, K> values;
  detail::for_each_index<K>([&](auto k) {
    r.neurons.push_back(Snn::template layer_type<snn_idx[k.value]>::output_shape::size);
    values[k] = detail::spike_values(runner.network().template get<snn_idx[k.value]>());
  });

  Matrix a, b;
  typename Runner<Snn>::State state;
  for (Eigen::Index first = 0; first < x.cols(); first += static_cast<Eigen::Index>(options.batch_size)) {
    const Eigen::Index n = std::min<Eigen::Index>(static_cast<Eigen::Index>(options.batch_size), x.cols() - first);
    // The ANN's activations, in threshold units.
    a = x.middleCols(first, n);
    detail::for_each_index<Ann::num_layers>([&](auto i) {
      std::get<i.value>(ann.layers()).forward(a, b);
      a.swap(b);
      constexpr std::size_t k = detail::position_in(ann_idx, i.value);
      if constexpr (k < K) {
        const float pos = scales[k] * values[k].first, neg = scales[k] * values[k].second;
        target[k] = (a.array() >= 0.0f).select(a.array() / pos, a.array() / neg).matrix();
        count[k].setZero(a.rows(), a.cols());
      }
    });
    // The SNN's signed spike counts, step by step.
    runner.begin(x.middleCols(first, n), state);
    for (std::size_t t = 1; t <= T; ++t) {
      runner.step(state, [&](auto layer, const Matrix& out) {
        constexpr std::size_t k = detail::position_in(snn_idx, decltype(layer)::value);
        count[k].array() += (out.array() > 0.0f).template cast<float>() - (out.array() < 0.0f).template cast<float>();
      });
      const double inv_t = 1.0 / static_cast<double>(t);
      for (std::size_t k = 0; k < K; ++k) {
        const auto err = (target[k].template cast<double>().array() - count[k].template cast<double>().array() * inv_t).abs();
        abs_sum[k * T + t - 1] += err.sum();
        off[k * T + t - 1] += static_cast<std::uint64_t>((err > inv_t).count());
      }
    }
  }
  r.mean_abs_error.assign(K, std::vector<double>(T));
  r.fraction_off.assign(K, std::vector<double>(T));
  for (std::size_t k = 0; k < K; ++k) {
    const double pairs = static_cast<double>(r.neurons[k]) * static_cast<double>(r.samples);
    for (std::size_t t = 0; t < T; ++t) {
      r.mean_abs_error[k][t] = abs_sum[k * T + t] / pairs;
      r.fraction_off[k][t] = static_cast<double>(off[k * T + t]) / pairs;
    }
  }
  return r;
}

}  // namespace dualspike
