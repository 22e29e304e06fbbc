#pragma once
/// \file argmax.hpp
/// Column-wise argmax with a fixed tie rule: the lowest index wins (the paper's readout;
/// like torch.argmax, a NaN counts as the largest value). Used by ANN evaluation and SNN
/// per-step prediction.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include "shape.hpp"

namespace dualspike {

/// For each column j of `scores` (classes x batch) writes the index of its largest entry
/// to `out[j]`; ties go to the lowest index. `out.size()` must equal `scores.cols()`.
inline void argmax_columns(const Matrix& scores, std::span<std::int32_t> out) noexcept {
  const Eigen::Index rows = scores.rows();
  for (Eigen::Index j = 0; j < scores.cols(); ++j) {
    const float* col = scores.data() + j * rows;
    Eigen::Index best = 0;
    for (Eigen::Index i = 1; i < rows; ++i)
      if (col[i] > col[best] || (std::isnan(col[i]) && !std::isnan(col[best]))) best = i;
    out[static_cast<std::size_t>(j)] = static_cast<std::int32_t>(best);
  }
}

}  // namespace dualspike
