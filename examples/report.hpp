// Shared driver of the example programs: command-line options, training with progress,
// conversion, simulation, the per-step table and its CSV. (Examples may print; the
// library never does.)
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <sstream>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <CLI/CLI.hpp>
#include <dualspike/dualspike.hpp>

#include "analyses.hpp"
#include "experiment_data.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace ex {
namespace ds = dualspike;

struct RunConfig {
  int epochs = 15;
  std::size_t batch_size = 128;
  float lr = 3e-3f;
  std::string schedule = "cosine";
  float final_lr_factor = 0.0f;
  int step_epochs = 10;
  float gamma = 0.1f;
  std::uint64_t seed = 2;
  std::size_t time_steps = 32;
  std::size_t eval_batch = 1000;
  std::size_t train_limit = 0;  // 0 = all
  std::size_t test_limit = 0;   // 0 = all
  std::size_t validation = 0;   // > 0: hold out the last N training images and evaluate on them, not on the test set
  float weight_decay = 0.0f;    // Adam's L2 weight decay (added to the gradient, as torch.optim.Adam)
  float label_smoothing = 0.0f;  // of the training cross-entropy
  int threads = 0;              // 0 = OpenMP default
  float dropout_input = 0.0f;   // drop probability on the input (> 0 selects a network with Dropout layers)
  float dropout_hidden = 0.0f;  // drop probability after each hidden activation
  std::size_t shift = 0;        // training augmentation: random translation by up to this many pixels
  std::string activation = "strelu";  // hidden activation (examples that offer --activation)
  std::string neuron = "paper";       // firing rule of the SNN's neurons: paper | rounding | both
  double norm_percentile = 99.9;      // data-based normalization (ReLU): percentile of the activations
  std::size_t norm_samples = 0;       // training images used to calibrate it (0: up to 10,000, as DataNorm allows)
  std::size_t analysis_samples = 1000;  // test images of the per-layer analyses (0 = none)
  float alpha = 0.1f;                 // atLeakyReLU's negative slope
  DataKind data_kind = DataKind::idx;  // the network's data set (set by the program, not an option)
  bool augment = true;                 // CIFAR-10: the paper's training augmentation
  std::optional<std::size_t> cutout;   // CIFAR-10: side of the cutout square (unset: 16)
  std::string data_dir;
  std::string out_dir;
  std::string weights_in;  // skip training: the ANN's weights from this safetensors file
  std::string checkpoint;  // training state after every epoch; a rerun resumes from it
};

inline void add_common_options(CLI::App& app, RunConfig& c) {
  app.add_option("--epochs", c.epochs, "training epochs")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--batch-size", c.batch_size, "training mini-batch size")->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("--lr", c.lr, "base learning rate (Adam)")->capture_default_str()->check(CLI::Range(1e-8, 10.0));
  app.add_option("--schedule", c.schedule, "learning-rate schedule")
      ->capture_default_str()
      ->check(CLI::IsMember({"constant", "cosine", "step"}));
  app.add_option("--final-lr-factor", c.final_lr_factor, "cosine: final lr as a fraction of --lr")->capture_default_str();
  app.add_option("--step-epochs", c.step_epochs, "step: epochs between decays")->capture_default_str();
  app.add_option("--gamma", c.gamma, "step: decay factor")->capture_default_str();
  app.add_option("--seed", c.seed, "seed of initialization and shuffling")->capture_default_str();
  app.add_option("-T,--time-steps", c.time_steps, "SNN time steps to simulate")->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("--eval-batch", c.eval_batch, "batch size of ANN evaluation and SNN simulation")->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("--train-limit", c.train_limit, "use only the first N training images (0 = all)")->capture_default_str();
  app.add_option("--test-limit", c.test_limit, "use only the first N test images (0 = all)")->capture_default_str();
  app.add_option("--validation", c.validation,
                 "hold out the last N training images and evaluate the ANN and the SNN on them instead of the "
                 "test set, which is then not read (0 = evaluate on the test set)")
      ->capture_default_str()
      ->check(CLI::Range(0, 59999));
  app.add_option("--weight-decay", c.weight_decay,
                 "L2 weight decay of Adam, added to the gradient of every parameter as torch.optim.Adam does")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--label-smoothing", c.label_smoothing,
                 "label smoothing of the training cross-entropy (target (1 - e) onehot + e / classes)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--checkpoint", c.checkpoint,
                 "training checkpoint (weights, optimizer moments, epoch, random streams), rewritten after every "
                 "epoch; a rerun of the same command resumes from it");
  app.add_option("--dropout-input", c.dropout_input, "training dropout on the input (0 = none)")->capture_default_str()->check(CLI::Range(0.0, 0.95));
  app.add_option("--dropout-hidden", c.dropout_hidden, "training dropout after hidden activations (0 = none)")->capture_default_str()->check(CLI::Range(0.0, 0.95));
  app.add_option("--shift", c.shift,
                 "training augmentation: translate each image by up to N pixels in x and y (zero padding + "
                 "random crop; 0 = none)")
      ->capture_default_str()
      ->check(CLI::Range(0, 8));
  app.add_option("--neuron", c.neuron,
                 "firing rule of the SNN's neurons: paper (fire at +-Vth, counts truncate), rounding (fire past "
                 "+-Vth/2, counts round) or both (one table each, same weights)")
      ->capture_default_str()
      ->check(CLI::IsMember({"paper", "rounding", "both"}));
  app.add_option("--weights-in", c.weights_in,
                 "skip training: load the ANN's weights from this safetensors file (PyTorch state_dict names, "
                 "e.g. an earlier run's ann.safetensors)")
      ->check(CLI::ExistingFile);
  app.add_option("--norm-samples", c.norm_samples,
                 "ReLU networks: training images that calibrate data-based normalization (0 = 10000, or fewer where "
                 "the network's activations would exceed DataNorm::max_values)")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  app.add_option("--analysis-samples", c.analysis_samples,
                 "test images for the per-layer conversion error, the activation signs and the spike raster "
                 "(0 = skip them)")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  const int hardware_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  app.add_option("--threads", c.threads, "threads (0 = OpenMP default; at most the hardware's)")
      ->capture_default_str()
      ->check(CLI::Range(0, hardware_threads));
  app.add_option("--data-dir", c.data_dir,
                 "folder with the four IDX files (raw or .gz), or CIFAR-10's binary batches")
      ->capture_default_str();
  app.add_option("--out-dir", c.out_dir, "folder for the CSV results")->capture_default_str();
}

inline std::string pct(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f%%", 100.0 * v);
  return b;
}

/// A simulation of the test set and how long conversion and simulation took (the analyses
/// not included).
struct Simulated {
  ds::SimulationResult result;
  double seconds = 0.0;
};

/// The calibration samples of data-based normalization: --norm-samples, or by default
/// 10,000 or the most `DataNorm` accepts for `Net`, whichever is fewer.
/// \throws ds::ConfigError for an explicit --norm-samples above that limit (run_experiment
///   checks it before loading data).
template <class Net>
std::size_t norm_samples(const RunConfig& c) {
  const std::size_t per_sample = ds::data_norm_values_per_sample<Net>();
  const std::size_t most = per_sample == 0 ? std::size_t{60000} : ds::DataNorm::max_values / per_sample;
  if (c.norm_samples == 0) return std::min<std::size_t>(10000, most);
  if (c.norm_samples > most)
    throw ds::ConfigError("--norm-samples " + std::to_string(c.norm_samples) + ": this network has " +
                          std::to_string(per_sample) + " activations to normalize per image, so at most " +
                          std::to_string(most) + " images fit DataNorm::max_values");
  return c.norm_samples;
}

/// Converts `ann` (with data-based normalization on the first `norm_samples` training
/// images for ReLU networks) with neurons firing by `Firing`, and simulates the test set.
/// With --analysis-samples, also the per-layer conversion error and the spike raster.
template <class Firing, class Net>
Simulated convert_and_simulate(const Net& ann, const ds::Dataset& train_set, const ds::Dataset& test_set,
                                          const ds::Evaluation& ann_eval, const RunConfig& c,
                                          const std::string& neuron, AnalysisCsv& analysis) {
  const auto t0 = std::chrono::steady_clock::now();
  const Eigen::Index calibration = std::min<Eigen::Index>(1000, train_set.images.cols());
  std::vector<float> scales;  // data-based normalization (empty: none)
  auto snn = [&] {
    if constexpr (ds::needs_data_norm_net_v<Net>) {
      const auto samples =
          std::min<Eigen::Index>(static_cast<Eigen::Index>(norm_samples<Net>(c)), train_set.images.cols());
      const ds::DataNorm norm{train_set.images.leftCols(samples), c.norm_percentile};
      scales = ds::data_norm_scales(ann, norm);
      std::printf("data-based normalization: %.4g-th percentile of the activations of %lld training images, scales",
                  c.norm_percentile, static_cast<long long>(samples));
      for (float s : scales) std::printf(" %.4g", s);
      std::printf("\n");
      return ds::to_snn<Firing>(ann, norm);
    } else {
      return ds::to_snn<Firing>(ann);
    }
  }();
  // Speed only: the event path starts each run from the inputs' most frequent step-1
  // values on 1,000 training images rather than from 0 (same results up to rounding).
  ds::Runner runner(std::move(snn));
  runner.calibrate(train_set.images.leftCols(calibration));
  ds::SimulateOptions sim_opt;
  sim_opt.time_steps = c.time_steps;
  sim_opt.batch_size = c.eval_batch;
  sim_opt.threads = c.threads;
  sim_opt.reference_predictions = ann_eval.predictions;
  Simulated sim{ds::simulate(runner, test_set, sim_opt)};
  sim.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (c.analysis_samples > 0) {
    const auto n = std::min<Eigen::Index>(static_cast<Eigen::Index>(c.analysis_samples), test_set.images.cols());
    report_layer_error(ann, runner, scales, test_set.images.leftCols(n), c.time_steps, neuron, analysis);
  }
  return sim;
}

/// Writes `text` to `path` through a temporary file in the same folder, renamed into place:
/// a run that fails or is killed never leaves a half-written or emptied file behind.
inline void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw std::runtime_error("cannot write " + tmp.string());
    }
  }
  std::filesystem::rename(tmp, path);
}

/// Fails now, not after minutes of training, if `dir` cannot hold the results; leaves any
/// earlier results in it untouched.
inline void check_output_dir(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::filesystem::path probe = dir / ".write-test.tmp";
  { std::ofstream(probe) << "x"; }
  std::error_code ec;
  const bool ok = std::filesystem::exists(probe, ec) && std::filesystem::file_size(probe, ec) == 1;
  std::filesystem::remove(probe, ec);
  if (!ok) throw std::runtime_error("cannot write into --out-dir " + dir.string());
}

/// Prints one SNN's per-step table and summary and appends its rows (first column: the
/// firing rule) to `csv`.
template <class Net>
void report_simulation(const ds::SimulationResult& sim, const ds::Evaluation& ann_eval, const std::string& neuron,
                       double sim_seconds, std::ostringstream& csv, AnalysisCsv& analysis) {
  std::printf("%4s  %12s  %16s  %14s  %12s\n", "t", "SNN acc", "conv. error", "agree w/ ANN", "SOPs/sample");
  for (std::size_t t = 0; t < sim.accuracy.size(); ++t) {
    const double err = ann_eval.accuracy - sim.accuracy[t];
    std::printf("%4zu  %12s  %16s  %14s  %12.0f\n", t + 1, pct(sim.accuracy[t]).c_str(), pct(err).c_str(),
                pct(sim.agreement[t]).c_str(), sim.sops_per_sample[t]);
    csv << neuron << ',' << t + 1 << ',' << sim.accuracy[t] << ',' << ann_eval.accuracy << ',' << err << ','
        << sim.agreement[t] << ',' << sim.spikes_per_sample[t] << ',' << sim.sops_per_sample[t] << '\n';
  }
  auto show_latency = [&](const char* what, double tol) {
    const auto l = sim.latency(ann_eval.accuracy, tol);
    if (l) std::printf("%s: T = %zu\n", what, *l);
    else std::printf("%s: not reached within T = %zu\n", what, sim.accuracy.size());
  };
  std::printf("\nANN accuracy %s; SNN (%s) simulation of %zu images x %zu steps took %.1f s\n",
              pct(ann_eval.accuracy).c_str(), neuron.c_str(), sim.samples, sim.accuracy.size(), sim_seconds);
  show_latency("latency (smallest T with SNN acc >= ANN acc)", 0.0);
  show_latency("smallest T within 0.1 points of the ANN", 0.001);
  show_latency("smallest T within 0.5 points of the ANN", 0.005);
  report_energy<Net>(sim, ann_eval.accuracy, neuron, analysis);
}

/// Copies every parameter and buffer of `from` into `to`, in order: a network trained with
/// Dropout layers and the same network without them hold the same tensors (under other
/// layer indices).
template <class From, class To>
void copy_parameters(From& from, To& to) {
  if constexpr (std::is_same_v<From, To>) {
    to = from;
  } else {
    ds::ParameterList src = from.parameters(), dst = to.parameters();
    const ds::ParameterList src_buf = from.buffers(), dst_buf = to.buffers();
    src.insert(src.end(), src_buf.begin(), src_buf.end());
    dst.insert(dst.end(), dst_buf.begin(), dst_buf.end());
    if (src.size() != dst.size()) throw std::logic_error("copy_parameters: networks with different parameter lists");
    for (std::size_t k = 0; k < src.size(); ++k) {
      if (src[k].values.size() != dst[k].values.size())
        throw std::logic_error("copy_parameters: '" + src[k].name + "' and '" + dst[k].name + "' differ in size");
      std::copy(src[k].values.begin(), src[k].values.end(), dst[k].values.begin());
    }
  }
}

/// Trains (or loads) `Net`, converts and simulates it. Weights are read and written as the
/// inference network `Saved` (e.g. Net1 without its training-only Dropout layers, so the
/// file's state_dict names are those of `ds::nets::Net1` whatever the training recipe).
template <class Net, class Saved = Net>
int run_experiment(const std::string& title, const RunConfig& c) {
#ifdef _OPENMP
  if (c.threads > 0) omp_set_num_threads(c.threads);
  const int threads = omp_get_max_threads();
#else
  const int threads = 1;
#endif
  // Everything that can be checked is checked before data is loaded or training starts.
  check_output_dir(c.out_dir);
  if (!c.checkpoint.empty()) {
    if (!c.weights_in.empty()) throw ds::ConfigError("--checkpoint and --weights-in: give one (training or loading)");
    check_output_dir(std::filesystem::absolute(c.checkpoint).parent_path());
  }
  if constexpr (ds::needs_data_norm_net_v<Net>) (void)norm_samples<Net>(c);
  std::string augmentation;
  ds::TrainOptions opt;
  opt.transform = training_transform(c.data_kind, c.augment, c.shift, c.cutout, augmentation);
  opt.transform_name = augmentation;  // recorded in a checkpoint: a resume with other augmentation is refused
  const std::filesystem::path csv_path = std::filesystem::path(c.out_dir) / "snn_accuracy_per_step.csv";
  const std::filesystem::path weights_path = std::filesystem::path(c.out_dir) / "ann.safetensors";
  Net ann;
  ann.init(c.seed);
  if (!c.weights_in.empty()) {
    Saved loaded;
    ds::load_safetensors(loaded, c.weights_in);  // throws on a missing or mismatched tensor
    copy_parameters(loaded, ann);
  }

  int dropout_layers = 0;
  bool input_dropout = false;
  ds::detail::for_each_index<Net::num_layers>([&](auto i) {
    if constexpr (requires { ann.template get<i>().set_probability(0.0f); }) {  // a Dropout layer
      ann.template get<i>().set_probability(i.value == 0 ? c.dropout_input : c.dropout_hidden);
      ++dropout_layers;
      input_dropout = input_dropout || i.value == 0;
    }
  });
  ds::detail::for_each_index<Net::num_layers>([&](auto i) {
    if constexpr (requires { ann.template get<i>().set_alpha(0.1f); })  // atLeakyReLU
      ann.template get<i>().set_alpha(c.alpha);
  });
  if (dropout_layers == 0 && (c.dropout_input > 0.0f || c.dropout_hidden > 0.0f))
    throw ds::ConfigError("--dropout-input / --dropout-hidden: this network has no Dropout layers (Net1's family, "
                          "paper_net's net1, net3 and net4 take dropout)");
  if (!input_dropout && c.dropout_input > 0.0f) {
    std::ostringstream value;  // 0.2 rather than std::to_string's 0.200000
    value << c.dropout_input;
    throw ds::ConfigError("--dropout-input " + value.str() +
                          ": this network has no input Dropout layer (net4: --dropout-hidden only)");
  }

  const ExperimentData data = load_experiment_data(c.data_kind, c.data_dir, c.train_limit, c.test_limit, c.validation);
  const ds::Dataset& train_set = data.train;
  const ds::Dataset& test_set = data.test;
  std::printf("%s\n", title.c_str());
  std::printf("data: %s (%zu train, %zu %s images), threads: %d, seed: %llu\n", c.data_dir.c_str(), train_set.size(),
              test_set.size(), data.eval_name.c_str(), threads, static_cast<unsigned long long>(c.seed));
  if (c.validation > 0)
    std::printf("evaluated on the validation split: the last %zu training images (the test set is not read)\n",
                c.validation);

  if (!c.weights_in.empty()) {
    std::printf("weights: %s (no training)\n", c.weights_in.c_str());
  } else {
    std::printf("recipe: Adam lr %g, %s schedule, %d epoch%s, batch %zu", c.lr, c.schedule.c_str(), c.epochs,
                c.epochs == 1 ? "" : "s", c.batch_size);
    if (c.weight_decay > 0.0f) std::printf(", L2 weight decay %g", c.weight_decay);
    if (c.label_smoothing > 0.0f) std::printf(", label smoothing %g", c.label_smoothing);
    std::printf("\n");
    if (dropout_layers > 0)
      std::printf("dropout while training: input %.2f, hidden %.2f\n", c.dropout_input, c.dropout_hidden);
    if (!augmentation.empty()) std::printf("%s\n", augmentation.c_str());
    opt.epochs = c.epochs;
    opt.batch_size = c.batch_size;
    opt.seed = c.seed;
    opt.label_smoothing = c.label_smoothing;
    opt.schedule.kind = ds::LrSchedule::parse_kind(c.schedule);
    opt.schedule.final_factor = c.final_lr_factor;
    opt.schedule.step_epochs = c.step_epochs;
    opt.schedule.gamma = c.gamma;
    opt.on_epoch = [](const ds::EpochReport& r) {
      std::printf("epoch %3d/%d  loss %.4f  train acc %s  lr %.2e  %.1f s  %.0f images/s\n", r.epoch, r.epochs, r.loss,
                  pct(r.accuracy).c_str(), r.learning_rate, r.seconds, r.images_per_second);
      std::fflush(stdout);
    };
    const auto t0 = std::chrono::steady_clock::now();
    ds::Adam adam{c.lr};
    adam.weight_decay = c.weight_decay;
    if (c.checkpoint.empty()) {
      ds::train(ann, train_set, adam, opt);
    } else {
      std::printf("checkpoint: %s (resumed if present)\n", c.checkpoint.c_str());
      ds::train(ann, train_set, adam, opt, ds::CheckpointOptions{c.checkpoint, /*resume=*/true});
    }
    const double train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("training time: %.1f s\n", train_seconds);
  }

  const ds::Evaluation ann_eval = ds::evaluate(ann, test_set, c.eval_batch);
  std::printf("ANN %s accuracy: %s\n", data.eval_name.c_str(), pct(ann_eval.accuracy).c_str());

  AnalysisCsv analysis;
  if (c.analysis_samples > 0) {
    const auto n = std::min<Eigen::Index>(static_cast<Eigen::Index>(c.analysis_samples), test_set.images.cols());
    report_activation_signs(ann, test_set.images.leftCols(n), analysis);
  }
  std::ostringstream csv;
  csv << "neuron,t,snn_accuracy,ann_accuracy,conversion_error,agreement_with_ann,spikes_per_sample,sops_per_sample\n";
  const std::vector<std::string> neurons =
      c.neuron == "both" ? std::vector<std::string>{"paper", "rounding"} : std::vector<std::string>{c.neuron};
  for (const std::string& neuron : neurons) {
    std::printf("\nSNN neurons: %s firing\n", neuron.c_str());
    const Simulated sim =
        neuron == "rounding"
            ? convert_and_simulate<ds::RoundingFiring>(ann, train_set, test_set, ann_eval, c, neuron, analysis)
            : convert_and_simulate<ds::PaperFiring>(ann, train_set, test_set, ann_eval, c, neuron, analysis);
    report_simulation<Net>(sim.result, ann_eval, neuron, sim.seconds, csv, analysis);
  }
  // Results replace an earlier run's only now, each file whole.
  if (c.weights_in.empty() || std::filesystem::absolute(c.weights_in) != std::filesystem::absolute(weights_path)) {
    Saved saved;
    copy_parameters(ann, saved);
    ds::save_safetensors(saved, weights_path);  // PyTorch state_dict names and layouts
    std::printf("weights written to %s\n", weights_path.string().c_str());
  }
  write_file_atomically(csv_path, csv.str());
  std::printf("table written to %s\n", csv_path.string().c_str());
  const std::filesystem::path dir(c.out_dir);
  write_file_atomically(dir / "energy.csv", analysis.energy.str());
  write_file_atomically(dir / "sops_per_layer.csv", analysis.sops.str());
  if (c.analysis_samples > 0) {
    write_file_atomically(dir / "layer_error.csv", analysis.layer_error.str());
    write_file_atomically(dir / "activation_signs.csv", analysis.activations.str());
    write_file_atomically(dir / "spikes.csv", analysis.spikes.str());
  }
  std::printf("analyses written to %s (energy, sops_per_layer%s)\n", dir.string().c_str(),
              c.analysis_samples > 0 ? ", layer_error, activation_signs, spikes" : "");
  return 0;
}

}  // namespace ex
