// The paper's analyses for the example programs, from one converted network: operations
// and energy (Table 5), SOPs per layer and step, per-layer conversion error (Figs. 5-6),
// the signs of the ANN's activations per layer (Fig. 7) and a spike raster. Each is a CSV
// in --out-dir; tools/plot_analysis.py draws them.
#pragma once
#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <dualspike/dualspike.hpp>

namespace ex {
namespace ds = dualspike;

/// CSV texts the analyses append to (header written once by `AnalysisCsv()`).
struct AnalysisCsv {
  std::ostringstream energy, sops, layer_error, activations, spikes;
  AnalysisCsv() {
    energy << "neuron,time_steps,ann_macs,input_macs,snn_sops,ann_pj,snn_pj,input_pj,energy_ratio\n";
    sops << "neuron,t,snn_layer,spikes_per_sample,sops_per_sample\n";
    layer_error << "neuron,snn_layer,t,mean_abs_error,fraction_off\n";
    activations << "ann_layer,neurons,positive,zero,negative\n";
    spikes << "neuron,snn_layer,sample,t,index,spike\n";
  }
};

/// Table 5 for one SNN: operations and energy at the paper's T (the smallest T with a
/// conversion error below 1 point), and the SOPs of every neuron layer at every step.
template <class Net>
void report_energy(const ds::SimulationResult& sim, double ann_accuracy, const std::string& neuron, AnalysisCsv& csv) {
  for (std::size_t k = 0; k < sim.neuron_layers.size(); ++k)
    for (std::size_t t = 0; t < sim.accuracy.size(); ++t)
      csv.sops << neuron << ',' << t + 1 << ',' << sim.neuron_layers[k] << ',' << sim.spikes_per_layer[k][t] << ','
               << sim.sops_per_layer[k][t] << '\n';
  const auto T = ds::energy_time_steps(sim, ann_accuracy);
  if (!T) {
    std::printf("energy (Table 5): the conversion error stays >= 1 point up to T = %zu\n", sim.accuracy.size());
    return;
  }
  const ds::EnergyEstimate e = ds::estimate_energy(Net::macs(), sim, *T);
  std::printf("energy (Table 5) at T = %zu (conversion error < 1 point): ANN %.4g MACs = %.4g pJ; SNN %.4g SOPs = "
              "%.4g pJ (%.2f%% of the ANN); its first layer on the analog input: %.4g MACs = %.4g pJ\n",
              *T, e.ann_macs, e.ann_pj, e.snn_sops, e.snn_pj, 100.0 * e.ratio(), e.input_macs, e.input_pj);
  std::printf("SOPs per image and neuron layer over t = 1..%zu:", *T);
  for (std::size_t k = 0; k < sim.neuron_layers.size(); ++k) {
    double s = 0.0;
    for (std::size_t t = 0; t < *T; ++t) s += sim.sops_per_layer[k][t];
    std::printf(" layer %zu: %.4g", sim.neuron_layers[k], s);
  }
  std::printf("\n");
  csv.energy << neuron << ',' << *T << ',' << e.ann_macs << ',' << e.input_macs << ',' << e.snn_sops << ',' << e.ann_pj
             << ',' << e.snn_pj << ',' << e.input_pj << ',' << e.ratio() << '\n';
}

/// Per-layer conversion error on `x` and the spike raster of its first sample.
template <class Net, class Snn>
void report_layer_error(const Net& ann, const ds::Runner<Snn>& runner, const std::vector<float>& scales,
                        const ds::Matrix& x, std::size_t time_steps, const std::string& neuron, AnalysisCsv& csv) {
  ds::LayerErrorOptions opt;
  opt.time_steps = time_steps;
  opt.activation_scales = scales;
  const ds::LayerConversionError e = ds::layer_conversion_error(ann, runner, x, opt);
  std::printf("per-layer conversion error on %zu test images at T = %zu (mean |ANN activation / threshold - spike "
              "rate|; share of neurons more than one spike off):\n",
              e.samples, time_steps);
  for (std::size_t k = 0; k < e.snn_layers.size(); ++k) {
    for (std::size_t t = 0; t < time_steps; ++t)
      csv.layer_error << neuron << ',' << e.snn_layers[k] << ',' << t + 1 << ',' << e.mean_abs_error[k][t] << ','
                      << e.fraction_off[k][t] << '\n';
    std::printf("  SNN layer %zu (%zu neurons): %.4f; %.2f%%\n", e.snn_layers[k], e.neurons[k],
                e.mean_abs_error[k][time_steps - 1], 100.0 * e.fraction_off[k][time_steps - 1]);
  }
  ds::SpikeRecordOptions rec_opt;
  rec_opt.time_steps = time_steps;
  rec_opt.layers = e.snn_layers;
  rec_opt.samples = {0};
  const ds::SpikeRecord rec = ds::record_spikes(runner, x, rec_opt);
  for (std::size_t k = 0; k < rec.layers().size(); ++k)
    for (std::size_t t = 1; t <= rec.time_steps(); ++t) {
      const auto s = rec.spikes(k, t, 0);
      for (std::size_t i = 0; i < s.size(); ++i)
        if (s[i] != 0)
          csv.spikes << neuron << ',' << rec.layers()[k] << ",0," << t << ',' << i << ',' << static_cast<int>(s[i]) << '\n';
    }
}

/// Fig. 7: the shares of positive, zero and negative activations of every activation layer
/// of the ANN on `x`.
template <class Net>
void report_activation_signs(const Net& ann, const ds::Matrix& x, AnalysisCsv& csv) {
  ds::Matrix a = x, b;
  ds::detail::for_each_index<Net::num_layers>([&](auto i) {
    std::get<i.value>(ann.layers()).forward(a, b);
    a.swap(b);
    if constexpr (ds::converts_to_neuron_v<typename Net::template layer_type<i.value>>) {
      const double n = static_cast<double>(a.size());
      const double pos = static_cast<double>((a.array() > 0.0f).count()) / n;
      const double zero = static_cast<double>((a.array() == 0.0f).count()) / n;
      const double neg = static_cast<double>((a.array() < 0.0f).count()) / n;
      csv.activations << i.value << ',' << a.rows() << ',' << pos << ',' << zero << ',' << neg << '\n';
      std::printf("ANN layer %zu activations on %lld test images: %.1f%% positive, %.1f%% zero, %.1f%% negative\n",
                  i.value, static_cast<long long>(x.cols()), 100.0 * pos, 100.0 * zero, 100.0 * neg);
    }
  });
}

}  // namespace ex
