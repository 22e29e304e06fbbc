// Train a CIFAR-10 network of networks.hpp (Net5, its quarter-width variant, VGG16) with
// the paper's augmentation, checkpointing after every epoch (rerun the same command to
// resume after a crash), then convert it to a dual-threshold SNN and print the SNN's
// accuracy per time step beside the ANN's.
//
//   cifar_net --net net5narrow --epochs 5 --checkpoint out/net5narrow.ckpt [-T 200 --test-limit 10000]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <dualspike/dualspike.hpp>

#include "report.hpp"

namespace ds = dualspike;

namespace {
struct Config {
  std::string data_dir = "data/cifar10";
  std::string checkpoint;
  std::string weights_out;
  int epochs = 5;
  float lr = 1e-3f;
  std::size_t batch_size = 128;
  std::size_t time_steps = 200;
  std::size_t test_limit = 10000;
  std::size_t train_limit = 50000;
  std::uint64_t seed = 1;
  bool augment = true;
  std::string neuron = "paper";  // firing rule of the SNN's neurons: paper | rounding
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class Net>
int run(const Config& c) {
  auto t0 = std::chrono::steady_clock::now();
  ds::Dataset train_set = ds::load_cifar10_split(c.data_dir, ds::Split::train).slice(0, c.train_limit);
  ds::Dataset test_set = ds::load_cifar10_split(c.data_dir, ds::Split::test).slice(0, c.test_limit);
  ds::normalize_channels(train_set, ds::kCifar10Mean, ds::kCifar10Std);
  ds::normalize_channels(test_set, ds::kCifar10Mean, ds::kCifar10Std);
  std::printf("data: %s (%zu train, %zu test images), loaded in %.1f s\n", c.data_dir.c_str(), train_set.size(),
              test_set.size(), seconds_since(t0));

  Net ann;
  ann.init(c.seed);
  ds::TrainOptions opt;
  opt.epochs = c.epochs;
  opt.batch_size = c.batch_size;
  opt.seed = c.seed;
  if (c.augment) opt.transform = ds::Augment(3, 32, 32, ds::AugmentOptions::cifar10());
  opt.on_epoch = [](const ds::EpochReport& r) {
    std::printf("epoch %d/%d: loss %.4f, train accuracy %.2f%%, %.0f s (%.0f images/s), lr %.2e\n", r.epoch, r.epochs,
                r.loss, 100.0 * r.accuracy, r.seconds, r.images_per_second, r.learning_rate);
    std::fflush(stdout);
  };
  t0 = std::chrono::steady_clock::now();
  if (c.checkpoint.empty())
    ds::train(ann, train_set, ds::Adam{c.lr}, opt);
  else
    ds::train(ann, train_set, ds::Adam{c.lr}, opt, ds::CheckpointOptions{c.checkpoint, /*resume=*/true});
  std::printf("training: %.0f s\n", seconds_since(t0));
  if (!c.weights_out.empty()) ds::save_safetensors(ann, c.weights_out);

  t0 = std::chrono::steady_clock::now();
  const ds::Evaluation e = ds::evaluate(ann, test_set);
  std::printf("ANN test accuracy: %.2f%% (%.1f s)\n", 100.0 * e.accuracy, seconds_since(t0));
  std::printf("SNN neurons: %s firing\n", c.neuron.c_str());
  ds::SimulateOptions sim;
  sim.time_steps = c.time_steps;
  sim.reference_predictions = e.predictions;
  t0 = std::chrono::steady_clock::now();
  const ds::SimulationResult r = c.neuron == "rounding" ? ds::simulate(ds::to_snn<ds::RoundingFiring>(ann), test_set, sim)
                                                        : ds::simulate(ds::to_snn(ann), test_set, sim);
  const double sim_s = seconds_since(t0);
  for (std::size_t t = 1; t <= c.time_steps; t = (t < 8 ? t + 1 : t * 2))
    std::printf("T = %4zu: SNN accuracy %.2f%%, agreement with the ANN %.2f%%\n", t, 100.0 * r.accuracy[t - 1],
                100.0 * r.agreement[t - 1]);
  std::printf("T = %4zu: SNN accuracy %.2f%%\n", c.time_steps, 100.0 * r.accuracy.back());
  for (double tol : {0.001, 0.005}) {
    const auto lat = r.latency(e.accuracy, tol);
    std::printf("latency (within %.1f points of the ANN): %s\n", 100.0 * tol,
                lat ? std::to_string(*lat).c_str() : "not reached");
  }
  std::printf("simulation: %.1f s for %zu images x %zu steps (%.1f images/s)\n", sim_s, test_set.size(), c.time_steps,
              static_cast<double>(test_set.size()) / sim_s);
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train a CIFAR-10 VGG network (augmented, checkpointed), convert it to a dual-threshold SNN"};
  Config c;
  std::string net = "net5narrow";
  app.add_option("--net", net, "network")->capture_default_str()->check(CLI::IsMember({"net5narrow", "net5", "vgg16"}));
  app.add_option("--data-dir", c.data_dir, "folder with the CIFAR-10 binary batches")->capture_default_str();
  app.add_option("--checkpoint", c.checkpoint, "checkpoint file, written after every epoch; resumed from if present");
  app.add_option("--save", c.weights_out, "write the trained weights (safetensors) here");
  app.add_option("--epochs", c.epochs, "total epochs")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--lr", c.lr, "Adam learning rate (cosine schedule)")->capture_default_str()->check(CLI::Range(1e-8, 10.0));
  app.add_option("--batch-size", c.batch_size, "training batch size")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("-T,--time-steps", c.time_steps, "SNN time steps")->capture_default_str()->check(CLI::Range(1, 1000000));
  app.add_option("--train-limit", c.train_limit, "training images used (the first N)")
      ->capture_default_str()
      ->check(CLI::Range(1, 50000));
  app.add_option("--test-limit", c.test_limit, "test images used (the first N)")->capture_default_str()->check(CLI::Range(1, 10000));
  app.add_option("--seed", c.seed, "initialization, shuffling and augmentation seed")->capture_default_str();
  app.add_option("--neuron", c.neuron,
                 "firing rule of the SNN's neurons: paper (fire at +-Vth) or rounding (fire past +-Vth/2)")
      ->capture_default_str()
      ->check(CLI::IsMember({"paper", "rounding"}));
  app.add_flag("!--no-augment", c.augment, "train without augmentation");
  CLI11_PARSE(app, argc, argv);
  try {
    // Output folders are made and probed before the data is loaded or training starts.
    for (const std::string& out : {c.checkpoint, c.weights_out})
      if (!out.empty()) ex::check_output_dir(std::filesystem::absolute(out).parent_path());
    if (net == "net5") return run<ds::nets::Net5>(c);
    if (net == "vgg16") return run<ds::nets::VGG16>(c);
    return run<ds::nets::Net5Narrow>(c);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
