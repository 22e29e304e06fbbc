#pragma once
/// \file loss.hpp
/// Softmax cross-entropy on logits (PyTorch `nn.CrossEntropyLoss`, mean reduction).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "../core/checks.hpp"
#include "../core/errors.hpp"
#include "../core/shape.hpp"

namespace dualspike {

/// Mean over the batch of the cross-entropy between softmax(logits) and the target
/// distribution `q = (1 - label_smoothing) * onehot(label) + label_smoothing / classes`
/// (PyTorch `nn.CrossEntropyLoss(label_smoothing=...)`; 0 gives -log softmax(logits)[label]).
/// `logits` is `classes x batch`; `labels[j]` is the class of column j.
/// Assigns `grad_logits` = dLoss/dlogits = (softmax - q) / batch.
/// \throws ShapeError if `labels.size() != logits.cols()`; ConfigError for a label
/// outside [0, classes) or a `label_smoothing` outside [0, 1].
inline double softmax_cross_entropy(const Matrix& logits, std::span<const std::int32_t> labels, Matrix& grad_logits,
                                    float label_smoothing = 0.0f) {
  const Eigen::Index classes = logits.rows(), batch = logits.cols();
  if (static_cast<std::size_t>(batch) != labels.size())
    throw ShapeError("softmax_cross_entropy: " + std::to_string(batch) + " logit columns but " +
                     std::to_string(labels.size()) + " labels");
  if (!(label_smoothing >= 0.0f && label_smoothing <= 1.0f))
    throw ConfigError("softmax_cross_entropy: label_smoothing = " + format_value(label_smoothing) +
                      ", expected a value in [0, 1]");
  grad_logits.resize(classes, batch);
  double loss = 0.0;
  const float inv_batch = 1.0f / static_cast<float>(batch);
  const double uniform = static_cast<double>(label_smoothing) / static_cast<double>(classes);
  for (Eigen::Index j = 0; j < batch; ++j) {
    const std::int32_t label = labels[static_cast<std::size_t>(j)];
    if (label < 0 || label >= classes)
      throw ConfigError("softmax_cross_entropy: labels[" + std::to_string(j) + "] = " + std::to_string(label) +
                        " is outside [0, " + std::to_string(classes) + ")");
    const float max = logits.col(j).maxCoeff();
    auto g = grad_logits.col(j);
    g = (logits.col(j).array() - max).exp().matrix();
    const float sum = g.sum();
    const float log_sum = std::log(sum);
    // -sum_k q_k log p_k with log p_k = (z_k - max) - log_sum.
    double sample = static_cast<double>(log_sum - (logits(label, j) - max));
    if (label_smoothing > 0.0f) {
      sample *= 1.0 - static_cast<double>(label_smoothing);
      for (Eigen::Index k = 0; k < classes; ++k)
        sample += uniform * static_cast<double>(log_sum - (logits(k, j) - max));
    }
    loss += sample;
    g *= inv_batch / sum;
    if (label_smoothing > 0.0f) g.array() -= static_cast<float>(uniform) * inv_batch;
    g(label) -= (1.0f - label_smoothing) * inv_batch;
  }
  return loss / static_cast<double>(batch);
}

}  // namespace dualspike
