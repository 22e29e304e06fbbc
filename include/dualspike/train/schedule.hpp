#pragma once
/// \file schedule.hpp
/// Learning-rate schedules, evaluated per optimizer step: lr(t) = base_lr * factor(t).
#include <cmath>
#include <numbers>
#include <string>

#include "../core/checks.hpp"
#include "../core/errors.hpp"

namespace dualspike {

/// A learning-rate schedule over the whole run.
///  - `constant`: factor 1.
///  - `cosine`: cosine annealing from 1 to `final_factor` over all steps
///    (`torch.optim.lr_scheduler.CosineAnnealingLR` with eta_min = final_factor * lr).
///  - `step`: multiply by `gamma` every `step_epochs` epochs (`StepLR`).
struct LrSchedule {
  enum class Kind { constant, cosine, step };
  Kind kind = Kind::cosine;
  float final_factor = 0.0f;
  int step_epochs = 10;
  float gamma = 0.1f;

  /// Factor at `progress` = epochs completed (fractional) out of `total_epochs`.
  [[nodiscard]] float factor(double progress, int total_epochs) const noexcept {
    switch (kind) {
      case Kind::constant:
        return 1.0f;
      case Kind::cosine: {
        const double x = total_epochs > 0 ? progress / total_epochs : 0.0;
        return final_factor + (1.0f - final_factor) * static_cast<float>(0.5 * (1.0 + std::cos(std::numbers::pi * x)));
      }
      case Kind::step:
        return std::pow(gamma, static_cast<float>(static_cast<int>(progress) / step_epochs));
    }
    return 1.0f;
  }

  /// \throws ConfigError for out-of-range fields.
  void validate() const {
    if (kind != Kind::constant && kind != Kind::cosine && kind != Kind::step)
      throw ConfigError("LrSchedule.kind = " + std::to_string(static_cast<int>(kind)) + ", expected constant, cosine or step");
    if (!(final_factor >= 0.0f && final_factor <= 1.0f))
      throw ConfigError("LrSchedule.final_factor = " + format_value(final_factor) + ", expected [0, 1]");
    if (kind == Kind::step) {
      if (step_epochs < 1) throw ConfigError("LrSchedule.step_epochs = " + std::to_string(step_epochs) + ", expected >= 1");
      require_positive_finite(gamma, "LrSchedule.gamma");
    }
  }

  /// Parses "constant", "cosine" or "step". \throws ConfigError naming the value.
  static Kind parse_kind(const std::string& name) {
    if (name == "constant") return Kind::constant;
    if (name == "cosine") return Kind::cosine;
    if (name == "step") return Kind::step;
    throw ConfigError("LrSchedule: unknown schedule '" + name + "', expected constant, cosine or step");
  }
};

}  // namespace dualspike
