// The example programs' data sets: which files a run reads, how its images are
// preprocessed, and the augmentation its training uses. (Examples may print; the library
// never does.)
#pragma once
#include <cstddef>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include <dualspike/dualspike.hpp>

namespace ex {
namespace ds = dualspike;

/// The MNIST family (four IDX files; 1 x 28 x 28 pixels in [0, 1]) or CIFAR-10 (the binary
/// batches scripts/setup.sh installs; 3 x 32 x 32, normalized per channel with
/// `ds::kCifar10Mean` / `ds::kCifar10Std`, data/augment.hpp).
enum class DataKind { idx, cifar10 };

struct ExperimentData {
  ds::Dataset train, test;
  /// What `test` is: "test" (the official test split) or "validation" (held out from training).
  std::string eval_name = "test";
};

/// Loads both splits from `dir`, keeps the first `train_limit` / `test_limit` images of each
/// (0 = all) and, for CIFAR-10, normalizes the channels (the same for evaluation and SNN).
/// With `validation` > 0 the last `validation` images of the official training split are
/// held out and take the test split's place (which is then not read), so a recipe can be
/// chosen without looking at the test set; `test_limit` then limits the validation images.
/// \throws what `ds::load_mnist_split` / `ds::load_cifar10_split` throw, naming the file;
/// ds::ConfigError if `validation` leaves no training image.
inline ExperimentData load_experiment_data(DataKind kind, const std::string& dir, std::size_t train_limit,
                                           std::size_t test_limit, std::size_t validation = 0) {
  ExperimentData d;
  const auto load = [&](ds::Split split) {
    return kind == DataKind::cifar10 ? ds::load_cifar10_split(dir, split) : ds::load_mnist_split(dir, split);
  };
  d.train = load(ds::Split::train);
  if (validation > 0) {
    const std::size_t n = d.train.size();
    if (validation >= n)
      throw ds::ConfigError("--validation " + std::to_string(validation) + ": the training set has only " +
                            std::to_string(n) + " images; hold out fewer");
    d.test = d.train.slice(n - validation, validation);
    d.train = d.train.slice(0, n - validation);
    d.eval_name = "validation";
  } else {
    d.test = load(ds::Split::test);
  }
  if (train_limit > 0 && train_limit < d.train.size()) d.train = d.train.slice(0, train_limit);
  if (test_limit > 0 && test_limit < d.test.size()) d.test = d.test.slice(0, test_limit);
  if (kind == DataKind::cifar10) {
    ds::normalize_channels(d.train, ds::kCifar10Mean, ds::kCifar10Std);
    ds::normalize_channels(d.test, ds::kCifar10Mean, ds::kCifar10Std);
  }
  return d;
}

/// The training-time transform of a run, and a line saying what it does ("" for none):
/// CIFAR-10 with `augment`: the paper's Section 4.1 augmentation (4-pixel zero padding +
/// random crop, horizontal flip with p = 0.5, a `cutout` x `cutout` square, default 16, 0 = none);
/// the MNIST family with `shift` > 0: random translations by up to `shift` pixels (zero
/// padding + random crop).
/// \throws ds::ConfigError for `shift` > 0 on CIFAR-10 (its augmentation already crops), and
/// for a `cutout` on the MNIST family or above 32 pixels.
inline std::function<void(ds::Matrix&, ds::Rng&)> training_transform(DataKind kind, bool augment, std::size_t shift,
                                                                     std::optional<std::size_t> cutout,
                                                                     std::string& description) {
  description.clear();
  if (kind != DataKind::cifar10 && cutout)
    throw ds::ConfigError("--cutout " + std::to_string(*cutout) + ": the CIFAR-10 networks only");
  if (cutout && *cutout > 32)
    throw ds::ConfigError("--cutout " + std::to_string(*cutout) + ": larger than the 32 x 32 image");
  if (kind == DataKind::cifar10) {
    if (shift > 0)
      throw ds::ConfigError("--shift " + std::to_string(shift) +
                            ": the MNIST-family networks only; CIFAR-10 networks crop after 4-pixel padding "
                            "(--no-augment turns that off)");
    if (!augment) return {};
    ds::AugmentOptions aug = ds::AugmentOptions::cifar10();
    if (cutout) aug.cutout = *cutout;
    description = "augmentation while training: 4-pixel padding + random crop, horizontal flip, " +
                  (aug.cutout == 0 ? std::string("no cutout") : "cutout " + std::to_string(aug.cutout));
    return ds::Augment(3, 32, 32, aug);
  }
  if (shift == 0) return {};
  ds::AugmentOptions aug;
  aug.pad = shift;
  aug.flip = false;
  aug.cutout = 0;
  description = "augmentation while training: random shifts of up to " + std::to_string(shift) + " pixel" +
                (shift == 1 ? "" : "s");
  return ds::Augment(1, 28, 28, aug);
}

}  // namespace ex
