// The dualspike side of benchmarks/compare for the convolutional networks (run by run.sh;
// see docs/benchmarks.md): Net2 on MNIST, Net4 on Fashion-MNIST, the narrow Net5 on
// CIFAR-10. One training epoch, ANN inference and SNN inference on the test set, batched,
// with the same weights that compare_conv_torch.py then loads. Writes flat JSON records
// like compare_dualspike.
//
//   compare_conv --net net2 --data-dir data/mnist --time-steps 11 --out out/compare/net2_dualspike.json
//                --weights-out out/compare/net2.safetensors [--weights-in FILE] [--phases train,ann,snn]
//                [--train-images N] [--test-images N] [--quick]
//
// Weights for inference: --weights-in (safetensors with PyTorch state_dict names, e.g.
// paper_net's ann.safetensors), else the network trained by the timed epoch (Adam 1e-3,
// batch 128, seed 1). SNN: simulate at T = --time-steps (the paper's latency), then, from
// the same run's accuracy per step, at the smallest T within 0.1 points of the ANN. The
// runner is calibrated on the first 1,000 training images (event references).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "../bench_common.hpp"
#include "recorder.hpp"

namespace ds = dualspike;
using json = nlohmann::json;

namespace {

using ds::bench::Clock;
using ds::bench::seconds_since;

struct Config {
  std::string net = "net2";
  std::string data_dir = "data/mnist";
  std::string out = "out/compare/net2_dualspike.json";
  std::string weights_in, weights_out;
  std::string phases = "train,ann,snn";
  std::size_t time_steps = 11;
  std::size_t batch = 1000;
  int threads = 2;
  bool quick = false;
  std::size_t train_images = 60000, test_images = 10000;
};

int write(const Config& cfg, const std::string& name, const std::string& weights_source, double ann_accuracy,
          const std::vector<double>& snn_accuracy, const ds::bench::Recorder& rec) {
  json doc = {{"impl", "dualspike"}, {"net", name}, {"quick", cfg.quick}, {"threads", cfg.threads},
              {"weights", weights_source}, {"ann_accuracy", ann_accuracy}, {"snn_accuracy_per_step", snn_accuracy},
              {"records", rec.records()}};
  std::ofstream(cfg.out) << doc.dump(1) << "\n";
  std::printf("wrote %s\n", cfg.out.c_str());
  return 0;
}

template <class Net>
int run(const Config& cfg, const std::string& name) {
  ds::bench::Recorder rec;
  ds::bench::set_threads(cfg.threads);
  const auto load = [&](ds::Split split) {
    if (cfg.net != "net5narrow") return ds::load_mnist_split(cfg.data_dir, split);  // IDX: MNIST or Fashion-MNIST
    ds::Dataset d = ds::load_cifar10_split(cfg.data_dir, split);
    ds::normalize_channels(d, ds::kCifar10Mean, ds::kCifar10Std);  // as paper_net and dualspike_torch.data
    return d;
  };
  ds::Dataset train_set = load(ds::Split::train), test_set = load(ds::Split::test);
  if (train_set.size() > cfg.train_images) train_set = train_set.slice(0, cfg.train_images);
  if (test_set.size() > cfg.test_images) test_set = test_set.slice(0, cfg.test_images);
  Net ann;
  const auto has = [&](const char* p) { return cfg.phases.find(p) != std::string::npos; };
  if (!has("train") && cfg.weights_in.empty())
    throw ds::ConfigError("--phases without train needs --weights-in (the weights come from the timed epoch)");

  std::string weights_source = "the timed training epoch (Adam 1e-3, batch 128, seed 1)";
  if (has("train")) {
    std::printf("[train] %s, 1 epoch, %zu images, batch 128, Adam lr 1e-3 (constant)\n", name.c_str(), train_set.size());
    const auto reports = ds::bench::train_net(ann, train_set, train_set.size(), 1e-3f, 1, 1);
    rec.add("train", name + " epoch", cfg.threads, "images/s", reports.back().images_per_second,
            {{"images", train_set.size()}, {"seconds", reports.back().seconds},
             {"train_accuracy", reports.back().accuracy}});
  }
  if (!cfg.weights_in.empty()) {
    ds::load_safetensors(ann, cfg.weights_in);
    weights_source = cfg.weights_in;
  }
  if (!cfg.weights_out.empty() && cfg.weights_out != cfg.weights_in) ds::save_safetensors(ann, cfg.weights_out);
  std::printf("[weights] %s\n", weights_source.c_str());

  double best = 1e30;
  ds::Evaluation e;
  for (int r = 0; r < (has("ann") ? 3 : 1); ++r) {
    const auto t0 = Clock::now();
    e = ds::evaluate(ann, test_set, cfg.batch);
    best = std::min(best, seconds_since(t0));
  }
  if (has("ann"))
    rec.add("ann", name, cfg.threads, "images/s", static_cast<double>(test_set.size()) / best,
            {{"batch", cfg.batch}, {"images", test_set.size()}, {"accuracy", e.accuracy}, {"seconds", best}});
  if (!has("snn")) return write(cfg, name, weights_source, e.accuracy, {}, rec);

  ds::Runner snn(ds::to_snn(ann));
  // The event path of the dense synapses after the first neuron layer starts each run from
  // the nearest of the references fitted to the step-1 inputs of 1,000 training images
  // (Runner::calibrate; results unchanged), as compare_dualspike does for Net1.
  snn.calibrate(train_set.images.leftCols(std::min<Eigen::Index>(1000, train_set.images.cols())));
  const auto simulate_timed = [&](std::size_t T, int reps, const std::string& label) {
    ds::SimulateOptions opt;
    opt.time_steps = T;
    opt.batch_size = cfg.batch;
    ds::bench::set_simulate_threads(opt, cfg.threads);
    double t_best = 1e30;
    ds::SimulationResult sr;
    for (int r = 0; r < reps; ++r) {
      const auto t0 = Clock::now();
      sr = ds::simulate(snn, test_set, opt);
      t_best = std::min(t_best, seconds_since(t0));
    }
    rec.add("snn", name + " " + label, cfg.threads, "images/s", static_cast<double>(test_set.size()) / t_best,
            {{"T", T}, {"batch", cfg.batch}, {"accuracy", sr.accuracy.back()}, {"seconds", t_best},
             {"spikes_per_image_step", sr.spikes_per_sample.back()}});
    return sr;
  };
  std::printf("[snn] %zu test images, batch %zu, T = %zu\n", test_set.size(), cfg.batch, cfg.time_steps);
  const ds::SimulationResult paper = simulate_timed(cfg.time_steps, cfg.time_steps <= 16 ? 2 : 1, "T=paper");
  const auto within = paper.latency(e.accuracy, 0.001);
  if (within) {
    std::printf("[snn] smallest T within 0.1 points of the ANN (%.2f%%): %zu\n", 100.0 * e.accuracy, *within);
    simulate_timed(*within, 2, "T=within 0.1");
  } else {
    std::printf("[snn] not within 0.1 points of the ANN by T = %zu\n", cfg.time_steps);
  }
  return write(cfg, name, weights_source, e.accuracy, paper.accuracy, rec);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dualspike side of benchmarks/compare, convolutional networks"};
  Config cfg;
  app.add_option("--net", cfg.net, "network")->check(CLI::IsMember({"net2", "net4", "net5narrow"}));
  app.add_option("--data-dir", cfg.data_dir,
                 "IDX directory (MNIST for net2, Fashion-MNIST for net4), CIFAR-10 binary batches for net5narrow");
  app.add_option("--out", cfg.out, "JSON records to write");
  app.add_option("--weights-in", cfg.weights_in, "weights (safetensors) for inference; else the timed epoch's");
  app.add_option("--weights-out", cfg.weights_out, "where to save the inference weights (safetensors)");
  app.add_option("--phases", cfg.phases, "comma-separated subset of train,ann,snn (without train: --weights-in)");
  app.add_option("-T,--time-steps", cfg.time_steps, "time steps of the SNN run")->check(CLI::Range(1, 10000));
  app.add_option("--batch", cfg.batch, "batch size of ANN and SNN inference")->check(CLI::Range(1, 100000));
  app.add_option("--threads", cfg.threads, "threads")->check(CLI::Range(1, 1024));
  app.add_option("--train-images", cfg.train_images, "training images of the timed epoch (at most the set's)")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--test-images", cfg.test_images, "test images of ANN and SNN inference (at most the set's)")
      ->check(CLI::Range(1, 1000000));
  app.add_flag("--quick", cfg.quick, "small sizes (5,000 / 1,000 images): check that everything runs");
  CLI11_PARSE(app, argc, argv);
  if (cfg.quick) {
    cfg.train_images = std::min<std::size_t>(cfg.train_images, 5000);
    cfg.test_images = std::min<std::size_t>(cfg.test_images, 1000);
  }
  try {
    if (cfg.net == "net5narrow") return run<ds::nets::Net5Narrow>(cfg, "Net5Narrow");
    return cfg.net == "net2" ? run<ds::nets::Net2>(cfg, "Net2") : run<ds::nets::Net4>(cfg, "Net4");
  } catch (const std::exception& e) {
    std::cerr << "compare_conv: error: " << e.what() << "\n";
    return 1;
  }
}
