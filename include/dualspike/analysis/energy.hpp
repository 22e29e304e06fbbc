#pragma once
/// \file energy.hpp
/// Operation counts and energy of an ANN and its SNN (paper Section 4.2.3, Table 5,
/// eqs. 23-24): Energy_ANN = e_MAC x MACs, Energy_SNN = e_SOP x SOPs, with e_MAC = 4.6 pJ
/// (a 32-bit floating-point multiply-accumulate, Horowitz 2014) and e_SOP = 0.077 pJ (one
/// synaptic addition) by default. The SNN's SOPs are summed over time steps 1..T at the
/// paper's T: the smallest T at which the conversion error (ANN accuracy - SNN accuracy)
/// is below 1 point.
///
/// The layers before the first neuron layer (the first synapse, on the analog input) run
/// once per input on either side; eq. 24 leaves them out, so `snn_pj` does too and
/// `input_pj` gives them separately (with e_MAC), for the total a chip would spend.
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>

#include "../core/checks.hpp"
#include "../core/errors.hpp"
#include "../snn/simulate.hpp"

namespace dualspike {

/// Energy per operation, in picojoules.
struct EnergyModel {
  double pj_per_mac = 4.6;    ///< one multiply-accumulate of the ANN (eq. 23)
  double pj_per_sop = 0.077;  ///< one synaptic operation of the SNN (eq. 24)

  /// \throws ConfigError naming the first field that is not finite and > 0.
  void validate() const {
    if (!(std::isfinite(pj_per_mac) && pj_per_mac > 0.0))
      throw ConfigError("EnergyModel.pj_per_mac = " + format_value(pj_per_mac) + ", expected a finite value > 0");
    if (!(std::isfinite(pj_per_sop) && pj_per_sop > 0.0))
      throw ConfigError("EnergyModel.pj_per_sop = " + format_value(pj_per_sop) + ", expected a finite value > 0");
  }
};

/// Operations and energy per sample (one inference) of an ANN and its SNN run T steps.
struct EnergyEstimate {
  std::size_t time_steps = 0;  ///< T the SNN ran
  double ann_macs = 0.0;       ///< multiply-accumulates of the ANN
  double snn_sops = 0.0;       ///< synaptic operations of the SNN over steps 1..T
  double input_macs = 0.0;     ///< multiply-accumulates of the SNN's layers on the analog input
  double ann_pj = 0.0;         ///< pj_per_mac x ann_macs (eq. 23)
  double snn_pj = 0.0;         ///< pj_per_sop x snn_sops (eq. 24)
  double input_pj = 0.0;       ///< pj_per_mac x input_macs (not in eq. 24)
  /// Energy_SNN / Energy_ANN (eq. 24 / eq. 23), the paper's last column.
  [[nodiscard]] double ratio() const noexcept { return ann_pj > 0.0 ? snn_pj / ann_pj : 0.0; }
  /// The SNN's energy including its layers on the analog input.
  [[nodiscard]] double snn_total_pj() const noexcept { return snn_pj + input_pj; }
};

/// The paper's T for Table 5: the smallest T with `ann_accuracy - accuracy[T-1] < max_error`
/// (default 0.01 = 1 point; accuracies in [0, 1]); none if no simulated step gets there.
/// \throws ConfigError if `ann_accuracy` is outside [0, 1] or `max_error` not in (0, 1].
[[nodiscard]] inline std::optional<std::size_t> energy_time_steps(const SimulationResult& result, double ann_accuracy,
                                                                  double max_error = 0.01) {
  if (!(ann_accuracy >= 0.0 && ann_accuracy <= 1.0))
    throw ConfigError("energy_time_steps: ann_accuracy = " + format_value(ann_accuracy) + ", expected a value in [0, 1]");
  if (!(max_error > 0.0 && max_error <= 1.0))
    throw ConfigError("energy_time_steps: max_error = " + format_value(max_error) + ", expected a value in (0, 1]");
  for (std::size_t t = 0; t < result.accuracy.size(); ++t)
    if (ann_accuracy - result.accuracy[t] < max_error) return t + 1;
  return std::nullopt;
}

/// Operations and energy per sample of an ANN with `ann_macs` multiply-accumulates per
/// sample (`Sequential::macs()`) and its SNN simulated in `result`, summed over steps 1..T.
/// \throws ConfigError for an invalid model, T = 0 or T beyond the steps in `result`.
[[nodiscard]] inline EnergyEstimate estimate_energy(std::size_t ann_macs, const SimulationResult& result,
                                                    std::size_t time_steps, const EnergyModel& model = {}) {
  model.validate();
  if (time_steps == 0 || time_steps > result.sops_per_sample.size())
    throw ConfigError("estimate_energy: time_steps = " + std::to_string(time_steps) + ", expected 1.." +
                      std::to_string(result.sops_per_sample.size()) + " (the steps simulated)");
  EnergyEstimate e;
  e.time_steps = time_steps;
  e.ann_macs = static_cast<double>(ann_macs);
  e.snn_sops = result.cumulative_sops(time_steps);
  e.input_macs = result.input_macs_per_sample;
  e.ann_pj = model.pj_per_mac * e.ann_macs;
  e.snn_pj = model.pj_per_sop * e.snn_sops;
  e.input_pj = model.pj_per_mac * e.input_macs;
  return e;
}

}  // namespace dualspike
