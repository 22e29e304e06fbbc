#pragma once
/// \file augment.hpp
/// CIFAR-style data augmentation and per-channel normalization (the paper's Section 4.1:
/// 4-pixel zero padding + random crop, horizontal flip with p = 0.5, normalization;
/// cutout of DeVries & Taylor 2017). AutoAugment is not implemented.
///
/// Images are columns of `features x batch` matrices in CHW order (feature index
/// c*H*W + y*W + x). The pipeline is torchvision's: normalize both sets once with
/// `normalize_channels` (a deterministic preprocessing, also for evaluation); during
/// training only, `Augment` (a `TrainOptions::transform`) crops, flips and cuts out each
/// image of a batch with the run's seeded random stream. Padding takes `fill`, the value a
/// black (0) pixel has after normalization, so it matches padding before normalizing;
/// cutout sets the square to 0 in normalized units (the channel mean), as the reference
/// implementation does.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../core/errors.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"
#include "dataset.hpp"

namespace dualspike {

/// CIFAR-10 per-channel (R, G, B) mean and standard deviation of the 50,000 training
/// images, pixels in [0, 1] (population statistics over all pixels; tests/unit/
/// test_cifar10_data.cpp checks them on the real data).
inline constexpr std::array<float, 3> kCifar10Mean{0.4914f, 0.4822f, 0.4465f};
inline constexpr std::array<float, 3> kCifar10Std{0.2470f, 0.2435f, 0.2616f};

/// Replaces every value v of channel c by (v - mean[c]) / std[c], in place.
/// \throws ConfigError if mean or std does not have one entry per channel, or a std is
///   not positive and finite, or a mean is not finite; ShapeError as Dataset::validate_shape.
inline void normalize_channels(Dataset& data, std::span<const float> mean, std::span<const float> std) {
  data.validate_shape();
  if (mean.size() != data.channels || std.size() != data.channels)
    throw ConfigError("normalize_channels: " + std::to_string(mean.size()) + " means and " +
                      std::to_string(std.size()) + " standard deviations for " + std::to_string(data.channels) +
                      " channels");
  for (std::size_t c = 0; c < data.channels; ++c)
    if (!std::isfinite(mean[c]) || !std::isfinite(std[c]) || !(std[c] > 0.0f))
      throw ConfigError("normalize_channels: channel " + std::to_string(c) + ": mean = " + std::to_string(mean[c]) +
                        ", std = " + std::to_string(std[c]) + ", expected a finite mean and a positive finite std");
  const auto plane = static_cast<Eigen::Index>(data.height * data.width);
  for (std::size_t c = 0; c < data.channels; ++c)
    data.images.middleRows(static_cast<Eigen::Index>(c) * plane, plane) =
        (data.images.middleRows(static_cast<Eigen::Index>(c) * plane, plane).array() - mean[c]) / std[c];
}

/// Options of `Augment`.
struct AugmentOptions {
  std::size_t pad = 4;       ///< pixels of padding on each side before the random crop (0 = no crop)
  bool flip = true;          ///< horizontal flip with probability 0.5
  std::size_t cutout = 16;   ///< side of the cutout square, pixels (0 = off; 16 is DeVries & Taylor's for CIFAR-10)
  std::vector<float> fill{};  ///< per-channel padding value (empty = 0 in every channel)

  /// CIFAR-10 as in the paper, for images normalized with kCifar10Mean / kCifar10Std:
  /// pad 4, flip, cutout 16, padding with the normalized value of a black pixel.
  [[nodiscard]] static AugmentOptions cifar10() {
    AugmentOptions o;
    o.fill.resize(3);
    for (std::size_t c = 0; c < 3; ++c) o.fill[c] = -kCifar10Mean[c] / kCifar10Std[c];
    return o;
  }
};

/// The random choices for one image: the crop's top-left corner in the padded image
/// (dy, dx in [0, 2*pad]; pad, pad = no shift), the flip, and the cutout square's centre
/// (cy, cx in [0, H) x [0, W); the square covers rows cy - side/2 .. cy - side/2 + side - 1,
/// clipped to the image).
struct AugmentDraw {
  std::size_t dy = 0, dx = 0;
  bool flip = false;
  std::size_t cy = 0, cx = 0;
};

/// Random crop + horizontal flip + cutout of the images of a batch. Use as
/// `TrainOptions::transform = Augment(3, 32, 32, AugmentOptions::cifar10());`.
class Augment {
 public:
  /// \throws ConfigError if a dimension is 0, `fill` has neither 0 nor `channels` entries,
  ///   a fill value is not finite, or the padding or cutout exceeds 1024 pixels.
  Augment(std::size_t channels, std::size_t height, std::size_t width, AugmentOptions options)
      : c_(channels), h_(height), w_(width), o_(std::move(options)) {
    if (c_ == 0 || h_ == 0 || w_ == 0)
      throw ConfigError("Augment: image shape " + std::to_string(c_) + " x " + std::to_string(h_) + " x " +
                        std::to_string(w_) + ", expected positive dimensions");
    if (!o_.fill.empty() && o_.fill.size() != c_)
      throw ConfigError("AugmentOptions.fill has " + std::to_string(o_.fill.size()) + " values for " +
                        std::to_string(c_) + " channels (expected 0 or one per channel)");
    for (float f : o_.fill)
      if (!std::isfinite(f)) throw ConfigError("AugmentOptions.fill holds " + std::to_string(f) + ", expected finite values");
    if (o_.pad > 1024) throw ConfigError("AugmentOptions.pad = " + std::to_string(o_.pad) + ", expected <= 1024");
    if (o_.cutout > 1024)
      throw ConfigError("AugmentOptions.cutout = " + std::to_string(o_.cutout) + ", expected <= 1024");
    if (o_.fill.empty()) o_.fill.assign(c_, 0.0f);
  }

  /// Draws the choices for one image (in this order: dy, dx, flip, cy, cx; a disabled
  /// step draws nothing).
  [[nodiscard]] AugmentDraw draw(Rng& rng) const {
    AugmentDraw d{o_.pad, o_.pad, false, 0, 0};
    if (o_.pad > 0) {
      d.dy = static_cast<std::size_t>(rng.below(2 * o_.pad + 1));
      d.dx = static_cast<std::size_t>(rng.below(2 * o_.pad + 1));
    }
    if (o_.flip) d.flip = rng.below(2) == 1;
    if (o_.cutout > 0) {
      d.cy = static_cast<std::size_t>(rng.below(h_));
      d.cx = static_cast<std::size_t>(rng.below(w_));
    }
    return d;
  }

  /// Writes the augmented `src` (one CHW image) to `dst` (same size, not aliasing):
  /// dst(c, y, x) = padded(c, y + dy, x' + dx) with x' = W-1-x if flipped else x, where
  /// padded is src shifted by `pad` with `fill` around it; then the cutout square is 0.
  void apply(std::span<const float> src, std::span<float> dst, const AugmentDraw& d) const {
    const auto pad = static_cast<std::ptrdiff_t>(o_.pad);
    const auto H = static_cast<std::ptrdiff_t>(h_), W = static_cast<std::ptrdiff_t>(w_);
    for (std::size_t c = 0; c < c_; ++c) {
      const float* s = src.data() + c * h_ * w_;
      float* t = dst.data() + c * h_ * w_;
      for (std::ptrdiff_t y = 0; y < H; ++y) {
        const std::ptrdiff_t sy = y + static_cast<std::ptrdiff_t>(d.dy) - pad;
        for (std::ptrdiff_t x = 0; x < W; ++x) {
          const std::ptrdiff_t xf = d.flip ? W - 1 - x : x;
          const std::ptrdiff_t sx = xf + static_cast<std::ptrdiff_t>(d.dx) - pad;
          t[y * W + x] = (sy >= 0 && sy < H && sx >= 0 && sx < W) ? s[sy * W + sx] : o_.fill[c];
        }
      }
      if (o_.cutout > 0) {
        const auto half = static_cast<std::ptrdiff_t>(o_.cutout / 2), side = static_cast<std::ptrdiff_t>(o_.cutout);
        const std::ptrdiff_t y0 = std::max<std::ptrdiff_t>(0, static_cast<std::ptrdiff_t>(d.cy) - half);
        const std::ptrdiff_t y1 = std::min<std::ptrdiff_t>(H, static_cast<std::ptrdiff_t>(d.cy) - half + side);
        const std::ptrdiff_t x0 = std::max<std::ptrdiff_t>(0, static_cast<std::ptrdiff_t>(d.cx) - half);
        const std::ptrdiff_t x1 = std::min<std::ptrdiff_t>(W, static_cast<std::ptrdiff_t>(d.cx) - half + side);
        for (std::ptrdiff_t y = y0; y < y1; ++y)
          for (std::ptrdiff_t x = x0; x < x1; ++x) t[y * W + x] = 0.0f;
      }
    }
  }

  /// Augments every column of `batch` (`C*H*W x n`) in place, drawing one AugmentDraw per
  /// column in column order. \throws ShapeError if batch.rows() != C*H*W.
  void operator()(Matrix& batch, Rng& rng) const {
    if (static_cast<std::size_t>(batch.rows()) != c_ * h_ * w_)
      throw ShapeError("Augment: batch has " + std::to_string(batch.rows()) + " rows, expected C*H*W = " +
                       std::to_string(c_ * h_ * w_));
    std::vector<float> out(c_ * h_ * w_);
    for (Eigen::Index j = 0; j < batch.cols(); ++j) {
      const AugmentDraw d = draw(rng);
      float* col = batch.col(j).data();
      apply(std::span<const float>(col, out.size()), out, d);
      std::copy(out.begin(), out.end(), col);
    }
  }

 private:
  std::size_t c_, h_, w_;
  AugmentOptions o_;
};

}  // namespace dualspike
