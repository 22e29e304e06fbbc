// Train one of the paper's networks (Table 1) on its data set, convert it to a
// dual-threshold SNN and print the SNN's accuracy after every time step, with the
// latency and conversion error beside the paper's Table 3 row.
//
//   paper_net --net net2 [--epochs 15 --lr 2e-3 -T 64 --data-dir data/mnist ...]
//   paper_net --net net4 --activation trelu ...   (the ablation of Table 4 on Net2 / Net4)
//   paper_net --net net5narrow --checkpoint out/net5narrow/ann.ckpt   (CIFAR-10; rerun resumes)
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <dualspike/dualspike.hpp>

#include "report.hpp"

namespace ds = dualspike;

namespace {
/// How a row's ANN is trained: the defaults of `paper_net --net netN` (the recipe, chosen on
/// a validation split of the training set - docs/results.md, Table 3) and of `--quick` (a
/// few-minute variant for smoke runs and the ablations). Each field applies unless its
/// option is given on the command line. Net1's recipe is the main job's (net1_mnist).
struct Recipe {
  int epochs;
  float lr;
  std::size_t shift = 0;          // --shift (MNIST family)
  float weight_decay = 0.0f;      // --weight-decay
  float label_smoothing = 0.0f;   // --label-smoothing
  float dropout_hidden = 0.0f;    // --dropout-hidden (Net1, Net3, Net4)
  std::optional<std::size_t> cutout{};  // --cutout (CIFAR-10; unset: the augmentation's 16)
};
struct PaperRow {
  const char* title;
  ex::DataKind data_kind;
  const char* data_dir;
  Recipe recipe, quick;
  std::size_t time_steps;
  const char* table3;  // the paper's Table 3 row
};
const std::map<std::string, PaperRow> kNets = {
    {"net1", {"Net1 (784-1200-1200-10) on MNIST", ex::DataKind::idx, "data/mnist", {20, 1e-3f, 1, 0, 0, 0.3f}, {15, 3e-3f},
              32, "paper Table 3: ANN 98.29%, SNN 98.29%, latency 3, error 0.00%"}},
    {"net2", {"Net2 (12c5-p2-64c5-p2-10) on MNIST", ex::DataKind::idx, "data/mnist", {30, 3e-3f, 2}, {15, 3e-3f}, 32,
              "paper Table 3: ANN 99.29%, SNN 99.29%, latency 11, error 0.00%"}},
    {"net3", {"Net3 (6400-10) on Fashion-MNIST", ex::DataKind::idx, "data/fashion-mnist", {90, 2e-3f, 1}, {10, 2e-3f},
              32, "paper Table 3: ANN 89.90%, SNN 89.92%, latency 11, error -0.02%"}},
    {"net4", {"Net4 (32c5-p2-64c5-p2-1024-10) on Fashion-MNIST", ex::DataKind::idx, "data/fashion-mnist",
              {30, 1e-3f, 1}, {15, 2e-3f}, 128, "paper Table 3: ANN 90.83%, SNN 90.83%, latency 79, error 0.00%"}},
    // CIFAR-10 (paper's augmentation).
    {"net5narrow", {"Net5Narrow (32c3-32c3-p2-64c3-64c3-p2-128c3-128c3-p2-256-10, Net5 at 1/4 width) on CIFAR-10",
                    ex::DataKind::cifar10, "data/cifar10", {.epochs = 36, .lr = 5e-4f, .cutout = 0}, {2, 1e-3f}, 200,
                    "paper Table 3, Net5 at full width: ANN 92.67%, SNN 92.69%, latency 79, error -0.02%"}},
    {"net5", {"Net5 (128c3-128c3-p2-256c3-256c3-p2-512c3-512c3-p2-1024-10) on CIFAR-10", ex::DataKind::cifar10,
              "data/cifar10", {15, 1e-3f}, {1, 1e-3f}, 200,
              "paper Table 3: ANN 92.67%, SNN 92.69%, latency 79, error -0.02%"}},
    {"vgg16", {"VGG16 (Net6: 13 conv, classifier 512-512-10) on CIFAR-10", ex::DataKind::cifar10, "data/cifar10",
               {15, 1e-3f}, {1, 1e-3f}, 200, "paper Table 3 (Net6): ANN 93.71%, SNN 93.71%, latency 147, error 0.00%"}},
};
/// A row trained with Dropout layers (`TrainOf<stReLU>`) and converted from the same
/// network without them (`InferOf<stReLU>`).
template <template <class> class TrainOf, template <class> class InferOf>
int run_with_dropout(const PaperRow& row, const ex::RunConfig& cfg) {
  return ex::run_experiment<TrainOf<ds::StReLU<>>, InferOf<ds::StReLU<>>>(
      std::string(row.title) + " [stReLU, dropout in training]\n" + row.table3, cfg);
}
/// `NetOf<Act>` for the activation named by `cfg.activation` (stReLU unless asked; only
/// networks with `Ablation` are built with the others, the rest refuse them at parse); the
/// title is `name [activation]` and the paper's row.
template <template <class> class NetOf, bool Ablation>
int run_with_activation(const PaperRow& row, ex::RunConfig cfg) {
  const auto title = [&](const std::string& act) { return std::string(row.title) + " [" + act + "]\n" + row.table3; };
  if constexpr (Ablation) {
    if (cfg.activation == "trelu") return ex::run_experiment<NetOf<ds::TReLU<>>>(title("tReLU"), cfg);
    if (cfg.activation == "atleakyrelu")
      return ex::run_experiment<NetOf<ds::AtLeakyReLU<>>>(title("atLeakyReLU"), cfg);
    if (cfg.activation == "relu-max" || cfg.activation == "relu-p99.9") {
      cfg.norm_percentile = cfg.activation == "relu-max" ? 100.0 : 99.9;
      return ex::run_experiment<NetOf<ds::ReLU>>(title("ReLU, " + cfg.activation.substr(5) + " normalization"), cfg);
    }
  }
  return ex::run_experiment<NetOf<ds::StReLU<>>>(title("stReLU"), cfg);
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train a network of the paper (Table 1), convert it to a dual-threshold SNN, report accuracy per time step"};
  std::string net = "net2";
  app.add_option("--net", net, "which network of Table 1 (net5narrow: Net5 at a quarter of its width)")
      ->capture_default_str()
      ->check(CLI::IsMember({"net1", "net2", "net3", "net4", "net5narrow", "net5", "vgg16"}));
  ex::RunConfig cfg;
  ex::add_common_options(app, cfg);
  app.add_option("--activation", cfg.activation,
                 "hidden activation of net2 / net4 (the others: strelu only; Net1's family: net1_mnist): strelu, "
                 "trelu, atleakyrelu (alpha 0.1), relu-max / relu-p99.9 (ReLU + data-based normalization)")
      ->capture_default_str()
      ->check(CLI::IsMember({"strelu", "trelu", "atleakyrelu", "relu-max", "relu-p99.9"}));
  app.add_flag("!--no-augment", cfg.augment, "CIFAR-10 networks: train without the paper's augmentation");
  app.add_option("--cutout", cfg.cutout,
                 "CIFAR-10 networks: side of the square that cutout zeroes in each training image, pixels "
                 "(default: the network's recipe - net5narrow 0 - else 16; 0 = none)");
  bool quick = false;
  app.add_flag("--quick", quick, "train with the network's few-minute recipe (smoke runs) instead of its full one");
  // Per-network defaults, applied unless given on the command line.
  app.parse_complete_callback([&] {
    const PaperRow& row = kNets.at(net);
    const Recipe& r = quick ? row.quick : row.recipe;
    if (app.count("--epochs") == 0) cfg.epochs = r.epochs;
    if (app.count("--lr") == 0) cfg.lr = r.lr;
    if (app.count("--shift") == 0) cfg.shift = r.shift;
    if (app.count("--weight-decay") == 0) cfg.weight_decay = r.weight_decay;
    if (app.count("--label-smoothing") == 0) cfg.label_smoothing = r.label_smoothing;
    if (app.count("--dropout-hidden") == 0) cfg.dropout_hidden = r.dropout_hidden;
    if (app.count("--cutout") == 0 && r.cutout) cfg.cutout = r.cutout;
    if (app.count("--time-steps") == 0) cfg.time_steps = row.time_steps;
    if (app.count("--data-dir") == 0) cfg.data_dir = row.data_dir;
    if (app.count("--out-dir") == 0) cfg.out_dir = "out/" + net;
    cfg.data_kind = row.data_kind;
  });
  CLI11_PARSE(app, argc, argv);
  const bool dropout = cfg.dropout_input > 0 || cfg.dropout_hidden > 0;
  if (dropout && cfg.activation != "strelu") {
    std::cerr << "--dropout-input / --dropout-hidden: dropout trains stReLU networks only, not --activation "
              << cfg.activation << "\n";
    return 2;
  }
  if (cfg.activation != "strelu" && net != "net2" && net != "net4") {
    std::cerr << "--activation " << cfg.activation << ": only net2 and net4 take another activation than strelu "
              << "(Net1's family: net1_mnist --activation)\n";
    return 2;
  }

  try {
    const PaperRow& row = kNets.at(net);
    if (dropout) {
      if (net == "net1") return run_with_dropout<ds::nets::Net1DropoutOf, ds::nets::Net1Of>(row, cfg);
      if (net == "net3") return run_with_dropout<ds::nets::Net3DropoutOf, ds::nets::Net3Of>(row, cfg);
      if (net == "net4") return run_with_dropout<ds::nets::Net4DropoutOf, ds::nets::Net4Of>(row, cfg);
    }
    if (net == "net1") return run_with_activation<ds::nets::Net1Of, false>(row, cfg);
    if (net == "net2") return run_with_activation<ds::nets::Net2Of, true>(row, cfg);
    if (net == "net3") return run_with_activation<ds::nets::Net3Of, false>(row, cfg);
    const std::string title = std::string(row.title) + "\n" + row.table3;
    if (net == "net5narrow") return ex::run_experiment<ds::nets::Net5Narrow>(title, cfg);
    if (net == "net5") return ex::run_experiment<ds::nets::Net5>(title, cfg);
    if (net == "vgg16") return ex::run_experiment<ds::nets::VGG16>(title, cfg);
    return run_with_activation<ds::nets::Net4Of, true>(row, cfg);
  } catch (const std::exception& e) {  // dualspike::Error and I/O errors of the example itself
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
