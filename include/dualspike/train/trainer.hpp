#pragma once
/// \file trainer.hpp
/// Mini-batch training with shuffling (one reshuffle per epoch, seeded), softmax
/// cross-entropy, any optimizer with `step(params, grads, lr)` and a learning-rate
/// schedule evaluated at every step. Nothing here prints: progress goes to callbacks.
/// Needs only Eigen: checkpointing (`train` with a CheckpointOptions) is in checkpoint.hpp,
/// which brings the safetensors format (nlohmann-json).
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../core/argmax.hpp"
#include "../core/checks.hpp"
#include "../core/random.hpp"
#include "../data/dataset.hpp"
#include "loss.hpp"
#include "optimizer.hpp"
#include "schedule.hpp"

namespace dualspike {

/// What one finished epoch measured (on the training batches, as seen during training).
struct EpochReport {
  int epoch = 0;             ///< 1-based
  int epochs = 0;            ///< total
  double loss = 0.0;         ///< mean cross-entropy over the epoch's samples
  double accuracy = 0.0;     ///< training accuracy in [0, 1] over the epoch
  double seconds = 0.0;      ///< wall time of the epoch
  double images_per_second = 0.0;
  float learning_rate = 0.0f;  ///< at the epoch's last step
};

/// Options of `train`.
struct TrainOptions {
  int epochs = 1;
  std::size_t batch_size = 128;
  std::uint64_t seed = 0;  ///< shuffling seed (initialization is `net.init(seed)`'s)
  LrSchedule schedule{};
  std::function<void(const EpochReport&)> on_epoch{};  ///< called after each epoch (after the checkpoint)
  /// Training-time transform of each batch (`features x batch`, CHW columns) before the
  /// forward pass, e.g. data augmentation (see data/augment.hpp); its random stream is
  /// seeded from `seed` and saved in checkpoints. Not applied by `evaluate`.
  std::function<void(Matrix& batch, Rng& rng)> transform{};
  /// What `transform` does, in words (e.g. "random shifts of up to 1 pixel"). A
  /// std::function cannot be compared, so a checkpoint records this name instead and a
  /// resume with another one is refused. Empty = no name given.
  std::string transform_name{};
  /// Label smoothing of the cross-entropy (train/loss.hpp), in [0, 1]; 0 = none.
  float label_smoothing = 0.0f;

  /// \throws ConfigError naming the field.
  void validate() const {
    if (epochs < 1) throw ConfigError("TrainOptions.epochs = " + std::to_string(epochs) + ", expected >= 1");
    if (!(label_smoothing >= 0.0f && label_smoothing <= 1.0f))
      throw ConfigError("TrainOptions.label_smoothing = " + format_value(label_smoothing) +
                        ", expected a value in [0, 1]");
    require_at_least_one(batch_size, "TrainOptions.batch_size");
    schedule.validate();
  }
};

/// The state of a training run beyond weights and optimizer: completed epochs, the
/// options the run was started with (checked on resume) and its random streams.
struct TrainProgress {
  int epoch = 0;                ///< completed epochs
  std::uint64_t seed = 0;       ///< TrainOptions::seed of the run
  std::size_t batch_size = 0;   ///< TrainOptions::batch_size of the run
  std::size_t data_size = 0;    ///< samples in the training set
  Rng shuffle{0};               ///< the shuffling stream (one reshuffle per epoch)
  Rng dropout{0};               ///< the dropout-mask stream (Workspace::rng)
  Rng augment{0};               ///< the stream passed to TrainOptions::transform
  /// The run's training settings as (key, text) pairs: label smoothing, schedule,
  /// transform name and the optimizer's hyper-parameters (checkpoint.hpp fills, saves and
  /// compares them on resume; `train` without a checkpoint leaves them empty).
  std::vector<std::pair<std::string, std::string>> settings{};
};

namespace detail {

/// A run's state before its first epoch: streams seeded from `options.seed`.
inline TrainProgress fresh_progress(const TrainOptions& options, std::size_t data_size) {
  return {0,
          options.seed,
          options.batch_size,
          data_size,
          Rng(options.seed),
          Rng(options.seed ^ 0x9E3779B97F4A7C15ull),   // dropout masks: a stream of their own
          Rng(options.seed ^ 0xD1B54A32D192ED03ull),  // transform (augmentation) stream
          {}};
}

/// The checks `train` makes before anything else (see `train`).
template <class Net, class Optimizer>
void validate_training(const Net& net, const Dataset& data, const Optimizer& optimizer, const TrainOptions& options) {
  options.validate();
  optimizer.validate();
  check_input_shape<typename Net::input_shape>(data, "train", Net::output_shape::size);
  data.validate();
  net.validate();
}

/// The identity permutation of `n` samples (replayed shuffles start from it).
inline std::vector<std::size_t> sample_order(std::size_t n) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  return order;
}

/// The epochs `run.epoch + 1 ... options.epochs` of a validated run, `order` being the
/// sample order after `run.epoch` reshuffles. After each epoch `run` holds the state to
/// continue from (epochs done, streams) and `after_epoch(run, net, optimizer)` is called
/// (a checkpoint), then `options.on_epoch`.
template <class Net, class Optimizer, class AfterEpoch>
std::vector<EpochReport> train_epochs(Net& net, const Dataset& data, Optimizer& optimizer, const TrainOptions& options,
                                      TrainProgress run, std::vector<std::size_t>& order, AfterEpoch&& after_epoch) {
  Net grads = net;
  ParameterList params = net.parameters();
  ParameterList grad_list = grads.parameters();
  typename Net::Workspace ws;
  Matrix batch_x, grad_logits;
  std::vector<std::int32_t> batch_y, predicted;
  Rng& rng = run.shuffle;
  ws.rng = run.dropout;
  const std::size_t steps_per_epoch = data.size() / options.batch_size + (data.size() % options.batch_size != 0);

  std::vector<EpochReport> reports;
  for (int epoch = run.epoch; epoch < options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    rng.shuffle(std::span(order));
    double loss_sum = 0.0;
    std::size_t correct = 0;
    float lr = 0.0f;
    for (std::size_t step = 0; step < steps_per_epoch; ++step) {
      const double progress = epoch + static_cast<double>(step) / static_cast<double>(steps_per_epoch);
      lr = optimizer.lr * options.schedule.factor(progress, options.epochs);
      const std::size_t first = step * options.batch_size;
      const std::size_t n = std::min(options.batch_size, data.size() - first);
      batch_x.resize(data.images.rows(), static_cast<Eigen::Index>(n));
      batch_y.resize(n);
      for (std::size_t j = 0; j < n; ++j) {
        batch_x.col(static_cast<Eigen::Index>(j)) = data.images.col(static_cast<Eigen::Index>(order[first + j]));
        batch_y[j] = data.labels[order[first + j]];
      }
      if (options.transform) options.transform(batch_x, run.augment);
      const Matrix& logits = net.forward(batch_x, ws);
      const double loss = softmax_cross_entropy(logits, batch_y, grad_logits, options.label_smoothing);
      if (!std::isfinite(loss))
        throw Error("train: the loss became " + format_value(loss) + " at epoch " + std::to_string(epoch + 1) +
                    ", step " + std::to_string(step + 1) + " (learning rate " + format_value(lr) +
                    "); training diverged, lower the learning rate");
      loss_sum += loss * static_cast<double>(n);
      predicted.resize(n);
      argmax_columns(logits, predicted);
      for (std::size_t j = 0; j < n; ++j) correct += predicted[j] == batch_y[j];
      net.backward(ws, grad_logits, grads);
      optimizer.step(params, grad_list, lr);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EpochReport r{epoch + 1,
                  options.epochs,
                  loss_sum / static_cast<double>(data.size()),
                  static_cast<double>(correct) / static_cast<double>(data.size()),
                  seconds,
                  static_cast<double>(data.size()) / seconds,
                  lr};
    reports.push_back(r);
    run.epoch = epoch + 1;
    run.dropout = ws.rng;
    after_epoch(std::as_const(run), net, optimizer);
    if (options.on_epoch) options.on_epoch(r);
  }
  return reports;
}

}  // namespace detail

/// Trains `net` on `data` in place; returns one report per epoch. The last partial batch
/// of an epoch is used (PyTorch's drop_last=False). The optimizer is taken by value (its
/// state belongs to the run; checkpoint.hpp's overload saves and restores it).
/// \throws ConfigError / ShapeError for invalid options, data or network parameters,
/// before any training; Error if the loss becomes NaN/inf (diverged training), naming the
/// epoch and step; the network then holds the parameters of the last step.
template <class Net, class Optimizer>
std::vector<EpochReport> train(Net& net, const Dataset& data, Optimizer optimizer, const TrainOptions& options) {
  detail::validate_training(net, data, optimizer, options);
  std::vector<std::size_t> order = detail::sample_order(data.size());
  return detail::train_epochs(net, data, optimizer, options, detail::fresh_progress(options, data.size()), order,
                              [](const TrainProgress&, Net&, Optimizer&) {});
}

}  // namespace dualspike
