#pragma once
/// \file loss.hpp
/// Softmax cross-entropy on logits (PyTorch `nn.CrossEntropyLoss`, mean reduction).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "../core/errors.hpp"
#include "../core/shape.hpp"

namespace dualspike {

/// Mean over the batch of -log softmax(logits)[label].
/// `logits` is `classes x batch`; `labels[j]` is the class of column j.
/// Assigns `grad_logits` = dLoss/dlogits = (softmax - onehot) / batch.
/// \throws ShapeError if `labels.size() != logits.cols()`; ConfigError for a label
/// outside [0, classes).
inline double softmax_cross_entropy(const Matrix& logits, std::span<const std::int32_t> labels, Matrix& grad_logits) {
  const Eigen::Index classes = logits.rows(), batch = logits.cols();
  if (static_cast<std::size_t>(batch) != labels.size())
    throw ShapeError("softmax_cross_entropy: " + std::to_string(batch) + " logit columns but " +
                     std::to_string(labels.size()) + " labels");
  grad_logits.resize(classes, batch);
  double loss = 0.0;
  const float inv_batch = 1.0f / static_cast<float>(batch);
  for (Eigen::Index j = 0; j < batch; ++j) {
    const std::int32_t label = labels[static_cast<std::size_t>(j)];
    if (label < 0 || label >= classes)
      throw ConfigError("softmax_cross_entropy: labels[" + std::to_string(j) + "] = " + std::to_string(label) +
                        " is outside [0, " + std::to_string(classes) + ")");
    const float max = logits.col(j).maxCoeff();
    auto g = grad_logits.col(j);
    g = (logits.col(j).array() - max).exp().matrix();
    const float sum = g.sum();
    loss += static_cast<double>(std::log(sum) - (logits(label, j) - max));
    g *= inv_batch / sum;
    g(label) -= inv_batch;
  }
  return loss / static_cast<double>(batch);
}

}  // namespace dualspike
