// Main job: train Net1 (784-1200-1200-10) on MNIST, convert it to an SNN and print the
// SNN's accuracy after every time step. The hidden activation is stReLU by default; the
// other activations of the paper's family and plain ReLU (converted through data-based
// normalization) are one option away.
//
//   net1_mnist --data-dir data/mnist --out-dir out [--epochs 15 --activation trelu --neuron paper ...]
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <dualspike/dualspike.hpp>

#include "report.hpp"

namespace ds = dualspike;

namespace {
/// Net1 with activation `Act`, with Dropout layers when training asks for dropout.
template <class Act>
int run_net1(const std::string& name, const ex::RunConfig& cfg) {
  const std::string title = "Net1 (784-1200-1200-10, " + name + ") on MNIST";
  if (cfg.dropout_input > 0 || cfg.dropout_hidden > 0)
    return ex::run_experiment<ds::nets::Net1DropoutOf<Act>, ds::nets::Net1Of<Act>>(title + ", dropout in training", cfg);
  return ex::run_experiment<ds::nets::Net1Of<Act>>(title, cfg);
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train Net1 (784-1200-1200-10) on MNIST, convert to an SNN, report accuracy per time step"};
  ex::RunConfig cfg;
  // The default recipe (docs/history/results.md, "Main job"): an ANN trained for accuracy alone
  // (lr 1e-3, hidden dropout 0.3, random shifts of 1 pixel, 20 epochs) and the rounding
  // neuron, whose SNN is within 0.1 points of that ANN from T = 1 (--neuron paper: the paper's).
  cfg.epochs = 20;
  cfg.lr = 1e-3f;
  cfg.dropout_hidden = 0.3f;
  cfg.shift = 1;
  cfg.neuron = "rounding";
  cfg.data_dir = "data/mnist";
  cfg.out_dir = "out/net1_mnist";
  ex::add_common_options(app, cfg);
  app.add_option("--activation", cfg.activation,
                 "hidden activation: strelu (-> dual-threshold IF), trelu (-> single threshold), atleakyrelu "
                 "(-> asymmetric thresholds, --alpha), relu-max / relu-p99.9 (ReLU -> single threshold after "
                 "data-based normalization by the maximum / 99.9th percentile)")
      ->capture_default_str()
      ->check(CLI::IsMember({"strelu", "trelu", "atleakyrelu", "relu-max", "relu-p99.9"}));
  app.add_option("--alpha", cfg.alpha, "atleakyrelu: slope of the negative side")
      ->capture_default_str()
      ->check(CLI::Range(1e-3, 1.0));
  CLI11_PARSE(app, argc, argv);

  try {
    if (cfg.activation == "trelu") return run_net1<ds::TReLU<>>("tReLU Vth=1", cfg);
    if (cfg.activation == "atleakyrelu") return run_net1<ds::AtLeakyReLU<>>("atLeakyReLU", cfg);
    if (cfg.activation == "relu-max" || cfg.activation == "relu-p99.9") {
      cfg.norm_percentile = cfg.activation == "relu-max" ? 100.0 : 99.9;
      return run_net1<ds::ReLU>("ReLU", cfg);
    }
    return run_net1<ds::StReLU<>>("stReLU Vth=1", cfg);
  } catch (const std::exception& e) {  // dualspike::Error and I/O errors of the example itself
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
