#pragma once
/// \file event_reference.hpp
/// Where the event path of a dense synapse starts a run. Its current obeys
///     I(t) = I(t-1) + W (x(t) - x(t-1)),
/// so a run may start from any input x(0) whose current W x(0) + b is known: step 1 then
/// costs only the inputs in which x(1) differs from x(0). Starting from x(0) = 0 (the
/// bias) costs every neuron that spikes at step 1; a *reference* calibrated on sample
/// inputs (`Runner::calibrate`) costs far fewer. Several
/// references (clusters of similar step-1 inputs) cost fewer still: each sample starts
/// from the one nearest to its own step-1 input, counted in differing entries.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "../core/checks.hpp"
#include "../core/errors.hpp"
#include "../core/shape.hpp"

namespace dualspike {

namespace detail {
/// The number of positions i < n where a[i] != b[i]: a vector compare per block.
template <class Arch = xsimd::default_arch>
[[nodiscard]] inline std::size_t count_differences(const float* a, const float* b, std::size_t n) noexcept {
  using batch = xsimd::batch<float, Arch>;
  constexpr std::size_t width = batch::size;
  const batch one(1.0f), zero(0.0f);
  std::size_t count = 0, i = 0;
  while (i + width <= n) {
    // Lane counts stay exact in float below 2^24; flush every 2^16 vectors.
    const std::size_t chunk_end = std::min(n - n % width, i + (std::size_t{1} << 16) * width);
    batch acc(0.0f);
    for (; i < chunk_end; i += width)
      acc += xsimd::select(batch::load_unaligned(a + i) != batch::load_unaligned(b + i), one, zero);
    count += static_cast<std::size_t>(xsimd::hadd(acc));
  }
  for (; i < n; ++i) count += a[i] != b[i] ? 1 : 0;
  return count;
}
}  // namespace detail

/// The reference inputs of a dense synapse (`in` inputs, `out` outputs) and the currents
/// they cause. Empty: runs start from x(0) = 0.
struct SynapseReference {
  Matrix inputs;    ///< x_ref, `in x references` (one reference per column)
  Matrix currents;  ///< W x_ref + b, `out x references`
  [[nodiscard]] bool empty() const noexcept { return inputs.cols() == 0; }
  /// The number of references (columns).
  [[nodiscard]] Eigen::Index size() const noexcept { return inputs.cols(); }

  /// The reference nearest to `x` (`in` values): the column of `inputs` that differs
  /// from `x` in the fewest entries (the first of equals). Requires a non-empty reference
  /// and `inputs.rows()` readable values at `x`.
  [[nodiscard]] Eigen::Index nearest(const float* x) const noexcept {
    const auto n = static_cast<std::size_t>(inputs.rows());
    Eigen::Index best = 0;
    std::size_t best_count = n + 1;
    for (Eigen::Index k = 0; k < inputs.cols() && best_count > 0; ++k) {
      const std::size_t c = detail::count_differences(inputs.col(k).data(), x, n);
      if (c < best_count) {
        best_count = c;
        best = k;
      }
    }
    return best;
  }
};

namespace detail {

/// Per row of `x1` (`in x samples`, at least one sample), whichever of 0, the row's
/// largest and its smallest value occurs most often (ties go to 0, then to the largest);
/// for spiking inputs these are 0, +Vth and -Vth. \returns the `in` modes.
[[nodiscard]] inline Vector most_frequent_inputs(const Matrix& x1) {
  Vector r = Vector::Zero(x1.rows());
  if (x1.cols() == 0) return r;
  for (Eigen::Index i = 0; i < x1.rows(); ++i) {
    const auto row = x1.row(i);
    const float hi = row.maxCoeff(), lo = row.minCoeff();
    const auto zeros = (row.array() == 0.0f).count();
    const auto highs = (row.array() == hi).count();
    const auto lows = (row.array() == lo).count();
    if (highs > zeros && highs >= lows) r[i] = hi;
    else if (lows > zeros && lows > highs) r[i] = lo;
  }
  return r;
}

/// The references of a dense synapse (`weight`: out x in, `bias`: out) from its step-1
/// inputs `x1` (`in x samples`). With `references` = 1, the single reference is
/// `most_frequent_inputs(x1)`. With more, the samples are grouped by k-modes: the
/// references start as evenly spaced samples (columns k * samples / references), then
/// each sample joins its nearest reference (fewest differing entries) and each reference
/// becomes the `most_frequent_inputs` of its group, until nothing moves or after
/// `max_iterations` rounds. At most one reference per sample. \returns the references with
/// their currents `W x_ref + b`.
/// \throws ShapeError if `x1` does not have the weight's number of inputs as rows or
/// `bias` its number of outputs; ConfigError if `references` or `max_iterations` is below
/// 1, or `x1` has no columns or a NaN/inf value (named by its flat column-major index).
[[nodiscard]] inline SynapseReference reference_from_samples(const Matrix& weight, const Vector& bias,
                                                             const Matrix& x1, std::size_t references = 1,
                                                             int max_iterations = 10) {
  if (x1.rows() != weight.cols() || bias.size() != weight.rows())
    throw ShapeError("reference_from_samples: samples have " + std::to_string(x1.rows()) + " rows, bias " +
                     std::to_string(bias.size()) + ", expected the weight's " + std::to_string(weight.cols()) +
                     " inputs and " + std::to_string(weight.rows()) + " outputs");
  if (references == 0) throw ConfigError("reference_from_samples: references = 0, expected >= 1");
  if (max_iterations < 1)
    throw ConfigError("reference_from_samples: max_iterations = " + std::to_string(max_iterations) + ", expected >= 1");
  if (x1.cols() == 0) throw ConfigError("reference_from_samples: x1 has no samples (0 columns)");
  require_all_finite(x1.reshaped(), "reference_from_samples.x1");
  const Eigen::Index n = x1.cols();
  const auto k_count = static_cast<Eigen::Index>(std::min(references, static_cast<std::size_t>(n)));
  SynapseReference r;
  if (k_count == 1) {
    r.inputs = most_frequent_inputs(x1);
  } else {
    r.inputs.resize(x1.rows(), k_count);
    for (Eigen::Index k = 0; k < k_count; ++k) r.inputs.col(k) = x1.col(k * n / k_count);
    std::vector<Eigen::Index> owner(static_cast<std::size_t>(n), -1);
    Matrix members;
    for (int it = 0; it < max_iterations; ++it) {
      bool moved = false;
      for (Eigen::Index j = 0; j < n; ++j) {
        const Eigen::Index k = r.nearest(x1.col(j).data());
        moved = moved || owner[static_cast<std::size_t>(j)] != k;
        owner[static_cast<std::size_t>(j)] = k;
      }
      if (!moved) break;
      for (Eigen::Index k = 0; k < k_count; ++k) {
        const auto size = std::count(owner.begin(), owner.end(), k);
        if (size == 0) continue;  // keeps its input
        members.resize(x1.rows(), size);
        Eigen::Index m = 0;
        for (Eigen::Index j = 0; j < n; ++j)
          if (owner[static_cast<std::size_t>(j)] == k) members.col(m++) = x1.col(j);
        r.inputs.col(k) = most_frequent_inputs(members);
      }
    }
  }
  r.currents.noalias() = weight * r.inputs;
  r.currents.colwise() += bias;
  return r;
}

}  // namespace detail

}  // namespace dualspike
