#pragma once
/// \file checkpoint.hpp
/// Training checkpoints: everything `train` needs to continue a run exactly where it
/// stopped, in one safetensors file.
///
/// Contents (the tensors in PyTorch order and shapes, as `save_safetensors` writes them):
/// - the network's parameters and buffers under their state_dict names ("0.weight",
///   "1.running_mean", ...), so `load_safetensors` of the model part works as usual;
/// - the optimizer's per-parameter state as "optimizer.<slot>.<name>" with the
///   parameter's shape: Adam "exp_avg" / "exp_avg_sq" (torch.optim.Adam's names), SGD
///   "momentum_buffer"; absent while the optimizer has taken no step;
/// - `__metadata__`: "checkpoint" = "dualspike 1", "epoch" (completed epochs),
///   "optimizer" ("Adam" / "SGD"), "optimizer.step" (Adam's step count), "seed",
///   "batch_size", "data_size" (what the run was started with), and the full states of
///   the three random streams of a run, "rng.shuffle", "rng.dropout", "rng.augment"
///   (std::mt19937_64 text), and the run's settings as "settings.<key>": "label_smoothing",
///   "schedule", "transform" (TrainOptions::transform_name) and the optimizer's
///   hyper-parameters ("Adam.lr", "Adam.beta1", ..., "SGD.momentum", ...), floats written
///   exactly (shortest round-trip form).
///
/// `train(net, data, optimizer, options, CheckpointOptions{path, resume})` writes one after
/// every epoch and resumes from it; a resume whose seed, batch size, data size or settings
/// differ from the checkpoint's is refused, naming the field (TrainOptions::epochs may
/// grow: it is the total). Writing goes to "<path>.tmp", then a rename, so a
/// crash during a save leaves the previous checkpoint intact. Loading is all or nothing: every check (format, network
/// tensors and shapes, optimizer kind and tensors, metadata) passes before the network,
/// the optimizer or the run state is changed.
#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/errors.hpp"
#include "../core/random.hpp"
#include "../io/safetensors.hpp"
#include "optimizer.hpp"
#include "trainer.hpp"

namespace dualspike {

/// Where `train` keeps its checkpoint (the 5-argument overload below).
struct CheckpointOptions {
  /// Written after every epoch. A new run (resume = false) refuses a path that already
  /// exists, so an earlier run's checkpoint is never overwritten by accident.
  std::filesystem::path path{};
  /// Continue from `path` if that file exists (start afresh if it does not): weights,
  /// buffers, optimizer state, completed epochs and random streams are restored, so the
  /// run ends with the weights of an uninterrupted one. TrainOptions::epochs is the total.
  bool resume = false;

  /// \throws ConfigError if `path` is empty.
  void validate() const {
    if (path.empty()) throw ConfigError("CheckpointOptions.path is empty; name the checkpoint file");
  }
};

namespace detail {

/// An optimizer's named per-parameter state buffers and step counter (nullptr if none).
struct OptimizerSlots {
  std::string kind;
  std::vector<std::pair<std::string, std::vector<Eigen::ArrayXf>*>> slots;
  long* step = nullptr;
};
inline OptimizerSlots optimizer_slots(Adam& a) {
  return {"Adam", {{"exp_avg", &a.state.m}, {"exp_avg_sq", &a.state.v}}, &a.state.t};
}
inline OptimizerSlots optimizer_slots(SGD& s) { return {"SGD", {{"momentum_buffer", &s.momentum_buffer}}, nullptr}; }

inline constexpr std::string_view kSettingsPrefix = "settings.";

/// `v` in its shortest form that reads back as the same float.
inline std::string exact_text(float v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : std::string("?");
}

inline std::vector<std::pair<std::string, std::string>> optimizer_settings(const Adam& a) {
  return {{"Adam.lr", exact_text(a.lr)},
          {"Adam.beta1", exact_text(a.beta1)},
          {"Adam.beta2", exact_text(a.beta2)},
          {"Adam.eps", exact_text(a.eps)},
          {"Adam.weight_decay", exact_text(a.weight_decay)}};
}
inline std::vector<std::pair<std::string, std::string>> optimizer_settings(const SGD& s) {
  return {{"SGD.lr", exact_text(s.lr)},
          {"SGD.momentum", exact_text(s.momentum)},
          {"SGD.weight_decay", exact_text(s.weight_decay)}};
}

/// The settings a checkpoint records and a resume must repeat (TrainProgress::settings).
template <class Optimizer>
std::vector<std::pair<std::string, std::string>> run_settings(const TrainOptions& o, const Optimizer& optimizer) {
  const LrSchedule& s = o.schedule;
  std::string schedule;
  switch (s.kind) {
    case LrSchedule::Kind::constant: schedule = "constant"; break;
    case LrSchedule::Kind::cosine: schedule = "cosine, final factor " + exact_text(s.final_factor); break;
    case LrSchedule::Kind::step:
      schedule = "step, every " + std::to_string(s.step_epochs) + " epochs, gamma " + exact_text(s.gamma);
      break;
  }
  std::vector<std::pair<std::string, std::string>> out = {
      {"label_smoothing", exact_text(o.label_smoothing)}, {"schedule", schedule}, {"transform", o.transform_name}};
  for (auto& kv : optimizer_settings(optimizer)) out.push_back(std::move(kv));
  return out;
}

inline constexpr std::string_view kCheckpointTag = "dualspike 1";
inline constexpr std::string_view kOptimizerPrefix = "optimizer.";

inline const std::string& ckpt_meta(const SafetensorsFile& f, const std::string& key, std::string_view name) {
  const auto it = f.metadata.find(key);
  if (it == f.metadata.end())
    throw FormatError("checkpoint '" + std::string(name) + "': metadata '" + key + "' is missing");
  return it->second;
}

template <class T>
T ckpt_number(const SafetensorsFile& f, const std::string& key, std::string_view name) {
  const std::string& text = ckpt_meta(f, key, name);
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size())
    throw FormatError("checkpoint '" + std::string(name) + "': metadata '" + key + "' = '" + text +
                      "', expected an integer");
  return value;
}

inline Rng ckpt_rng(const SafetensorsFile& f, const std::string& key, std::string_view name) {
  Rng rng(0);
  if (!rng.set_state(ckpt_meta(f, key, name)))
    throw FormatError("checkpoint '" + std::string(name) + "': metadata '" + key +
                      "' is not a std::mt19937_64 state");
  return rng;
}

}  // namespace detail

/// Writes a checkpoint of `net` (a Sequential), `optimizer` (Adam or SGD) and `progress`
/// to `path` (temporary file + rename: an existing checkpoint is replaced only by a
/// complete new one).
/// \throws IoError if the file cannot be written; ConfigError if a layer's parameter
///   layout is unknown; ShapeError if the optimizer state does not match the network.
template <class Net, class Optimizer>
void save_checkpoint(const std::filesystem::path& path, Net& net, Optimizer& optimizer, const TrainProgress& progress) {
  auto [params, layouts] = detail::st_parameters(net, "save_checkpoint");
  const std::size_t trainable = net.parameters().size();
  SafetensorsFile file;
  for (std::size_t k = 0; k < params.size(); ++k)
    file.tensors[params[k].name] = SafetensorsTensor{"F32", layouts[k].shape, to_row_major(params[k].values, layouts[k])};
  const detail::OptimizerSlots opt = detail::optimizer_slots(optimizer);
  for (const auto& [slot, buffers] : opt.slots) {
    if (buffers->empty()) continue;  // no step taken yet
    if (!detail::same_layout(*buffers, ParameterList(params.begin(), params.begin() + static_cast<std::ptrdiff_t>(trainable))))
      throw ShapeError("save_checkpoint: optimizer state '" + slot + "' does not match the network's parameters");
    for (std::size_t k = 0; k < trainable; ++k) {
      const Eigen::ArrayXf& b = (*buffers)[k];
      file.tensors[std::string(detail::kOptimizerPrefix) + slot + "." + params[k].name] = SafetensorsTensor{
          "F32", layouts[k].shape, to_row_major(std::span<const float>(b.data(), static_cast<std::size_t>(b.size())), layouts[k])};
    }
  }
  file.metadata = {{"checkpoint", std::string(detail::kCheckpointTag)},
                   {"epoch", std::to_string(progress.epoch)},
                   {"optimizer", opt.kind},
                   {"optimizer.step", std::to_string(opt.step ? *opt.step : 0)},
                   {"seed", std::to_string(progress.seed)},
                   {"batch_size", std::to_string(progress.batch_size)},
                   {"data_size", std::to_string(progress.data_size)},
                   {"rng.shuffle", progress.shuffle.state()},
                   {"rng.dropout", progress.dropout.state()},
                   {"rng.augment", progress.augment.state()}};
  for (const auto& [key, value] : progress.settings) file.metadata[std::string(detail::kSettingsPrefix) + key] = value;
  write_safetensors(file, path);
}

/// Reads the checkpoint at `path` into `net` (the same architecture) and `optimizer`
/// (the same kind; its hyper-parameters are kept, its state replaced) and returns the run
/// state. All or nothing: on any error, `net` and `optimizer` are unchanged.
/// \throws IoError / FormatError as read_safetensors (a truncated file is a FormatError
///   naming it); FormatError naming the file if it is not a dualspike checkpoint, a
///   metadata field is missing or malformed, or the optimizer kind differs; ShapeError
///   naming the file and tensor if a network or optimizer tensor is missing, unexpected or
///   of the wrong shape (a checkpoint of another network); ConfigError if a loaded value
///   is NaN or infinite.
template <class Net, class Optimizer>
[[nodiscard]] TrainProgress load_checkpoint(const std::filesystem::path& path, Net& net, Optimizer& optimizer) {
  const std::string name = path.string();
  const SafetensorsFile file = read_safetensors(path);
  const auto tag = file.metadata.find("checkpoint");
  if (tag == file.metadata.end() || tag->second != detail::kCheckpointTag)
    throw FormatError("checkpoint '" + name + "': not a dualspike checkpoint (metadata 'checkpoint' is " +
                      (tag == file.metadata.end() ? std::string("missing") : "'" + tag->second + "'") +
                      ", expected '" + std::string(detail::kCheckpointTag) + "')");
  TrainProgress progress;
  progress.epoch = detail::ckpt_number<int>(file, "epoch", name);
  progress.seed = detail::ckpt_number<std::uint64_t>(file, "seed", name);
  progress.batch_size = detail::ckpt_number<std::size_t>(file, "batch_size", name);
  progress.data_size = detail::ckpt_number<std::size_t>(file, "data_size", name);
  progress.shuffle = detail::ckpt_rng(file, "rng.shuffle", name);
  progress.dropout = detail::ckpt_rng(file, "rng.dropout", name);
  progress.augment = detail::ckpt_rng(file, "rng.augment", name);
  for (const auto& [key, value] : file.metadata)
    if (key.starts_with(detail::kSettingsPrefix))
      progress.settings.emplace_back(key.substr(detail::kSettingsPrefix.size()), value);
  const long step = detail::ckpt_number<long>(file, "optimizer.step", name);
  if (progress.epoch < 0 || step < 0)
    throw FormatError("checkpoint '" + name + "': epoch = " + std::to_string(progress.epoch) +
                      ", optimizer.step = " + std::to_string(step) + ", expected >= 0");

  detail::OptimizerSlots opt = detail::optimizer_slots(optimizer);
  if (const std::string& kind = detail::ckpt_meta(file, "optimizer", name); kind != opt.kind)
    throw FormatError("checkpoint '" + name + "': written for optimizer " + kind + ", resumed with " + opt.kind);

  // Split the file into the model part and the optimizer part; stage the optimizer state.
  SafetensorsFile model;
  std::map<std::string, const SafetensorsTensor*> opt_tensors;
  for (const auto& [tensor, t] : file.tensors) {
    if (tensor.starts_with(detail::kOptimizerPrefix))
      opt_tensors[tensor] = &t;
    else
      model.tensors[tensor] = t;
  }
  auto [params, layouts] = detail::st_parameters(net, "load_checkpoint");
  const std::size_t trainable = net.parameters().size();
  std::vector<std::vector<Eigen::ArrayXf>> staged(opt.slots.size());
  std::size_t used = 0;
  for (std::size_t s = 0; s < opt.slots.size(); ++s) {
    const std::string prefix = std::string(detail::kOptimizerPrefix) + opt.slots[s].first + ".";
    const bool present = trainable > 0 && opt_tensors.count(prefix + params.front().name) != 0;
    if (!present) continue;  // saved before the first step
    for (std::size_t k = 0; k < trainable; ++k) {
      const auto it = opt_tensors.find(prefix + params[k].name);
      if (it == opt_tensors.end())
        throw ShapeError("load_checkpoint: file '" + name + "': tensor '" + prefix + params[k].name + "' is missing");
      const SafetensorsTensor& t = *it->second;
      if (t.dtype != "F32" || t.shape != layouts[k].shape || t.values.size() != params[k].values.size())
        throw ShapeError("load_checkpoint: file '" + name + "': tensor '" + it->first + "' has dtype " + t.dtype +
                         " and shape " + detail::st_shape_string(t.shape) + ", expected F32 " +
                         detail::st_shape_string(layouts[k].shape));
      Eigen::ArrayXf b(static_cast<Eigen::Index>(t.values.size()));
      from_row_major(t.values, layouts[k], std::span<float>(b.data(), static_cast<std::size_t>(b.size())));
      staged[s].push_back(std::move(b));
      ++used;
    }
  }
  for (std::size_t s = 1; s < staged.size(); ++s)
    if (staged[s].empty() != staged[0].empty())
      throw ShapeError("load_checkpoint: file '" + name + "': optimizer state '" + opt.slots[s].first + "' is " +
                       (staged[s].empty() ? "absent" : "present") + " but '" + opt.slots[0].first + "' is not");
  if (used != opt_tensors.size()) {
    for (const auto& [tensor, t] : opt_tensors) {
      bool known = false;
      for (std::size_t s = 0; s < opt.slots.size() && !known; ++s)
        for (std::size_t k = 0; k < trainable && !known && !staged[s].empty(); ++k)
          known = tensor == std::string(detail::kOptimizerPrefix) + opt.slots[s].first + "." + params[k].name;
      if (!known)
        throw ShapeError("load_checkpoint: file '" + name + "': unexpected tensor '" + tensor + "' (shape " +
                         detail::st_shape_string(t->shape) + ")");
    }
  }
  load_safetensors(net, model, name);  // all or nothing; the last check that can fail
  for (std::size_t s = 0; s < opt.slots.size(); ++s) *opt.slots[s].second = std::move(staged[s]);
  if (opt.step) *opt.step = step;
  return progress;
}

namespace detail {

/// The run state a checkpointed `train` starts from: fresh streams, or the state of
/// `checkpoint.path` when resuming (loaded into `net` and `optimizer`; `order` replays the
/// checkpoint's shuffles). Throws as `train` documents, before any training.
template <class Net, class Optimizer>
TrainProgress start_progress(Net& net, Optimizer& optimizer, std::size_t data_size, const TrainOptions& options,
                             const CheckpointOptions& checkpoint, std::vector<std::size_t>& order) {
  TrainProgress fresh = fresh_progress(options, data_size);
  fresh.settings = run_settings(options, optimizer);
  const std::filesystem::path& path = checkpoint.path;
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (exists && !checkpoint.resume)
    throw ConfigError("CheckpointOptions.path '" + path.string() +
                      "' already exists and resume = false; set resume = true to continue that run, or "
                      "choose another path (the earlier checkpoint is kept)");
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(dir, ec))
    throw ConfigError("CheckpointOptions.path '" + path.string() + "': directory '" + dir.string() +
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
  for (const auto& [key, now] : fresh.settings) {
    const auto saved = std::find_if(p.settings.begin(), p.settings.end(), [&](const auto& kv) { return kv.first == key; });
    if (saved == p.settings.end()) throw mismatch(key.c_str(), "(not recorded)", "'" + now + "'");
    if (saved->second != now) throw mismatch(key.c_str(), "'" + saved->second + "'", "'" + now + "'");
  }
  p.settings = fresh.settings;
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

/// `train` (trainer.hpp) with a checkpoint written to `checkpoint.path` after every epoch
/// and, with `checkpoint.resume`, continued from it: returns the reports of the epochs
/// this call trained (after a resume, the remaining ones only).
/// \throws as `train`; and, before any training, ConfigError if the path is empty, if the
///   file exists and resume is false, if its directory does not exist, or if a resumed
///   checkpoint was made with another seed, batch size or data set size or has more
///   epochs than TrainOptions::epochs; as load_checkpoint for a bad checkpoint; IoError if
///   a checkpoint cannot be written.
template <class Net, class Optimizer>
std::vector<EpochReport> train(Net& net, const Dataset& data, Optimizer optimizer, const TrainOptions& options,
                               const CheckpointOptions& checkpoint) {
  detail::validate_training(net, data, optimizer, options);
  checkpoint.validate();
  std::vector<std::size_t> order = detail::sample_order(data.size());
  TrainProgress run = detail::start_progress(net, optimizer, data.size(), options, checkpoint, order);
  return detail::train_epochs(net, data, optimizer, options, std::move(run), order,
                              [&](const TrainProgress& done, Net& n, Optimizer& o) {
                                save_checkpoint(checkpoint.path, n, o, done);
                              });
}

}  // namespace dualspike
