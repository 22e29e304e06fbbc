#pragma once
/// \file evaluate.hpp
/// ANN inference over a data set: predictions and accuracy.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "../core/argmax.hpp"
#include "../core/checks.hpp"
#include "../data/dataset.hpp"

namespace dualspike {

/// Result of `evaluate`: per-sample predicted class (argmax of the logits, ties to the
/// lowest class) and the fraction of correct predictions in [0, 1].
struct Evaluation {
  std::vector<std::int32_t> predictions;
  double accuracy = 0.0;
};

/// Fraction of `predictions[j] == labels[j]`. \throws ShapeError on different lengths.
inline double accuracy_of(std::span<const std::int32_t> predictions, std::span<const std::int32_t> labels) {
  if (predictions.size() != labels.size())
    throw ShapeError("accuracy_of: " + std::to_string(predictions.size()) + " predictions but " +
                     std::to_string(labels.size()) + " labels");
  if (labels.empty()) return 0.0;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) correct += predictions[i] == labels[i];
  return static_cast<double>(correct) / static_cast<double>(labels.size());
}

/// Most bytes of layer outputs `evaluate` keeps for one batch (`Sequential::InferenceBuffers`):
/// a batch whose outputs would need more runs in smaller ones (256 MiB: Net4's whole batch of
/// 1000; VGG16 77 and Net5 46 samples at a time).
inline constexpr std::size_t kEvaluateBufferBytes = std::size_t{256} << 20;

/// Runs the ANN `net` (a `Sequential`) on every sample of `data`, `batch_size` samples at a time (fewer
/// where their layer outputs would exceed `kEvaluateBufferBytes`); the buffers are reused
/// from batch to batch.
/// \throws ShapeError if the data's sample shape differs from the network's input or it
/// has more classes than the network has outputs; ConfigError if batch_size is 0, the
/// data set is empty, a label is out of range, an image value or a parameter is NaN/inf.
template <class Net>
[[nodiscard]] Evaluation evaluate(const Net& net, const Dataset& data, std::size_t batch_size = 1000) {
  require_at_least_one(batch_size, "evaluate: batch_size");
  check_input_shape<typename Net::input_shape>(data, "evaluate", Net::output_shape::size);
  data.validate();
  net.validate();
  Evaluation out;
  out.predictions.resize(data.size());
  typename Net::InferenceBuffers buffers;  // reused by every batch
  Matrix batch;
  const std::size_t per_sample = std::max<std::size_t>(1, Net::output_floats_per_sample() * sizeof(float));
  const std::size_t size = std::clamp<std::size_t>(kEvaluateBufferBytes / per_sample, 1, batch_size);
  for (std::size_t first = 0; first < data.size(); first += size) {
    const std::size_t n = std::min(size, data.size() - first);
    batch = data.images.middleCols(static_cast<Eigen::Index>(first), static_cast<Eigen::Index>(n));
    argmax_columns(net.predict(batch, buffers), std::span(out.predictions).subspan(first, n));
  }
  out.accuracy = accuracy_of(out.predictions, data.labels);
  return out;
}

}  // namespace dualspike
