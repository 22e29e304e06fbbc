// Main job: train Net1 (784-1200-1200-10, stReLU) on MNIST, convert it to a
// dual-threshold SNN and print the SNN's accuracy after every time step.
//
//   net1_mnist --data-dir data/mnist --out-dir out [--epochs 15 --batch-size 128 ...]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <dualspike/dualspike.hpp>

#include "report.hpp"

namespace ds = dualspike;

int main(int argc, char** argv) {
  CLI::App app{"Train Net1 (784-1200-1200-10, stReLU) on MNIST, convert to a dual-threshold SNN, report accuracy per time step"};
  ex::RunConfig cfg;
  cfg.epochs = 15;
  cfg.data_dir = "data/mnist";
  cfg.out_dir = "out/net1_mnist";
  ex::add_common_options(app, cfg);
  CLI11_PARSE(app, argc, argv);

  try {
    if (cfg.dropout_input > 0 || cfg.dropout_hidden > 0)
      return ex::run_experiment<ds::nets::Net1Dropout>("Net1 (784-1200-1200-10, stReLU Vth=1, dropout in training) on MNIST", cfg);
    return ex::run_experiment<ds::nets::Net1>("Net1 (784-1200-1200-10, stReLU Vth=1) on MNIST", cfg);
  } catch (const std::exception& e) {  // dualspike::Error and I/O errors of the example itself
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
