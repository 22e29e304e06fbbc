#pragma once
/// \file trainer.hpp
/// Mini-batch training with shuffling (one reshuffle per epoch, seeded), softmax
/// cross-entropy, any optimizer with `step(params, grads, lr)` and a learning-rate
/// schedule evaluated at every step. Nothing here prints: progress goes to callbacks.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <numeric>
#include <span>
#include <vector>

#include "../core/argmax.hpp"
#include "../core/checks.hpp"
#include "../core/random.hpp"
#include "../data/dataset.hpp"
#include "checkpoint.hpp"
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
  /// If set, a checkpoint (see checkpoint.hpp) is written here after every epoch. A new
  /// run (resume = false) refuses a path that already exists, so an earlier run's
  /// checkpoint is never overwritten by accident.
  std::filesystem::path checkpoint_path{};
  /// Continue from `checkpoint_path` if that file exists (start afresh if it does not):
  /// weights, buffers, optimizer state, completed epochs and random streams are restored,
  /// so the run ends with the weights of an uninterrupted one. `epochs` is the total.
  bool resume = false;

  /// \throws ConfigError naming the field.
  void validate() const {
    if (epochs < 1) throw ConfigError("TrainOptions.epochs = " + std::to_string(epochs) + ", expected >= 1");
    require_at_least_one(batch_size, "TrainOptions.batch_size");
    schedule.validate();
    if (resume && checkpoint_path.empty())
      throw ConfigError("TrainOptions.resume = true needs a TrainOptions.checkpoint_path");
  }
};

namespace detail {

/// The run state `train` starts from: fresh streams from `options.seed`, or the state of
/// `options.checkpoint_path` when resuming (loaded into `net` and `optimizer`; `order`
/// replays the checkpoint's shuffles). Throws as `train` documents, before any training.
template <class Net, class Optimizer>
TrainProgress start_progress(Net& net, Optimizer& optimizer, std::size_t data_size, const TrainOptions& options,
                             std::vector<std::size_t>& order) {
  TrainProgress fresh{0,
                      options.seed,
                      options.batch_size,
                      data_size,
                      Rng(options.seed),
                      Rng(options.seed ^ 0x9E3779B97F4A7C15ull),   // dropout masks: a stream of their own
                      Rng(options.seed ^ 0xD1B54A32D192ED03ull)};  // transform (augmentation) stream
  const std::filesystem::path& path = options.checkpoint_path;
  if (path.empty()) return fresh;
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (exists && !options.resume)
    throw ConfigError("TrainOptions.checkpoint_path '" + path.string() +
                      "' already exists and resume = false; set resume = true to continue that run, or "
                      "choose another path (the earlier checkpoint is kept)");
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(dir, ec))
    throw ConfigError("TrainOptions.checkpoint_path '" + path.string() + "': directory '" + dir.string() +
                      "' does not exist");
  if (!exists) return fresh;
  Net staged_net = net;  // all or nothing across the checks below as well
  Optimizer staged_opt = optimizer;
  TrainProgress p = load_checkpoint(path, staged_net, staged_opt);
  const auto mismatch = [&](const char* field, const std::string& saved, const std::string& now) {
    return ConfigError("train: checkpoint '" + path.string() + "' was made with " + field + " = " + saved +
                       ", this run has " + now);
  };
  if (p.seed != options.seed) throw mismatch("TrainOptions.seed", std::to_string(p.seed), std::to_string(options.seed));
  if (p.batch_size != options.batch_size)
    throw mismatch("TrainOptions.batch_size", std::to_string(p.batch_size), std::to_string(options.batch_size));
  if (p.data_size != data_size)
    throw mismatch("a training set size", std::to_string(p.data_size), std::to_string(data_size));
  if (p.epoch > options.epochs)
    throw mismatch("epochs done", std::to_string(p.epoch), "TrainOptions.epochs = " + std::to_string(options.epochs));
  // The sample order after p.epoch reshuffles, and a check that the stream matches.
  Rng replay(options.seed);
  for (int e = 0; e < p.epoch; ++e) replay.shuffle(std::span(order));
  if (!(replay == p.shuffle))
    throw FormatError("train: checkpoint '" + path.string() + "': its shuffling state does not follow from seed " +
                      std::to_string(options.seed) + " after " + std::to_string(p.epoch) + " epochs");
  net = staged_net;
  optimizer = std::move(staged_opt);
  return p;
}

}  // namespace detail

/// Trains `net` on `data` in place; returns one report per epoch trained by this call
/// (after a resume, the remaining epochs only). The last partial batch of an epoch is
/// used (PyTorch's drop_last=False). The optimizer is taken by value: its state lives in
/// the checkpoint, not in the caller's object.
/// \throws ConfigError / ShapeError for invalid options, data or network parameters;
/// Error if the loss becomes NaN/inf (diverged training), naming the epoch and step; the
/// network then holds the parameters of the last step. With a checkpoint_path: ConfigError
/// (before any training) if the file exists and resume is false, if its directory does
/// not exist, or if a resumed checkpoint was made with another seed, batch size or data
/// set size or has more epochs than `epochs`; as load_checkpoint for a bad checkpoint.
template <class Net, class Optimizer>
std::vector<EpochReport> train(Net& net, const Dataset& data, Optimizer optimizer, const TrainOptions& options) {
  options.validate();
  optimizer.validate();
  check_input_shape<typename Net::input_shape>(data, "train", Net::output_shape::size);
  data.validate();
  net.validate();
  std::vector<std::size_t> order(data.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  TrainProgress run = detail::start_progress(net, optimizer, data.size(), options, order);

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
      const double loss = softmax_cross_entropy(logits, batch_y, grad_logits);
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
    if (!options.checkpoint_path.empty()) {
      run.epoch = epoch + 1;
      run.dropout = ws.rng;
      save_checkpoint(options.checkpoint_path, net, optimizer, run);
    }
    if (options.on_epoch) options.on_epoch(r);
  }
  return reports;
}

}  // namespace dualspike
