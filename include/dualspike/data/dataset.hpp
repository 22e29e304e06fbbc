#pragma once
/// \file dataset.hpp
/// An in-memory labelled image data set, the input of `train`, `evaluate` and `simulate`.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/errors.hpp"
#include "../core/shape.hpp"

namespace dualspike {

/// Labelled images. `images` is `features x n` (column j = sample j, CHW order, values
/// already scaled, e.g. pixels / 255 in [0, 1]); `labels[j]` is in [0, num_classes).
struct Dataset {
  Matrix images;
  std::vector<std::int32_t> labels;
  std::size_t channels = 1;
  std::size_t height = 0;
  std::size_t width = 0;
  std::size_t num_classes = 10;

  /// Number of samples.
  [[nodiscard]] std::size_t size() const noexcept { return labels.size(); }
  /// Features per sample (channels * height * width).
  [[nodiscard]] std::size_t features() const noexcept { return channels * height * width; }

  /// The samples [first, first + count) as a new data set (count is clipped to the end).
  /// \throws ConfigError if `first` > size(); ShapeError as validate_shape().
  [[nodiscard]] Dataset slice(std::size_t first, std::size_t count) const {
    validate_shape();
    if (first > size())
      throw ConfigError("Dataset::slice: first = " + std::to_string(first) + " exceeds the data set size " +
                        std::to_string(size()));
    count = std::min(count, size() - first);
    Dataset out{images.middleCols(static_cast<Eigen::Index>(first), static_cast<Eigen::Index>(count)),
                std::vector<std::int32_t>(labels.begin() + static_cast<std::ptrdiff_t>(first),
                                          labels.begin() + static_cast<std::ptrdiff_t>(first + count)),
                channels, height, width, num_classes};
    return out;
  }

  /// Checks the shapes only (cheap): channels*height*width does not overflow and equals
  /// images.rows(), images.cols() == size(). \throws ShapeError naming the field.
  void validate_shape() const {
    if (height != 0 && width != 0 &&
        (channels > SIZE_MAX / height || channels * height > SIZE_MAX / width))
      throw ShapeError("Dataset: channels*height*width = " + std::to_string(channels) + "*" + std::to_string(height) +
                       "*" + std::to_string(width) + " overflows");
    if (static_cast<std::size_t>(images.rows()) != features())
      throw ShapeError("Dataset: images has " + std::to_string(images.rows()) + " rows, expected channels*height*width = " +
                       std::to_string(features()));
    if (static_cast<std::size_t>(images.cols()) != size())
      throw ShapeError("Dataset: images has " + std::to_string(images.cols()) + " columns but there are " +
                       std::to_string(size()) + " labels");
  }

  /// Checks internal consistency: the shapes (validate_shape), every label in
  /// [0, num_classes), every image value finite (no NaN/inf).
  /// \throws ShapeError / ConfigError naming the field and the value.
  void validate() const {
    validate_shape();
    if (num_classes == 0) throw ConfigError("Dataset: num_classes = 0, expected >= 1");
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i] < 0 || static_cast<std::size_t>(labels[i]) >= num_classes)
        throw ConfigError("Dataset: labels[" + std::to_string(i) + "] = " + std::to_string(labels[i]) +
                          " is outside [0, " + std::to_string(num_classes) + ")");
    if (!images.allFinite()) {
      for (Eigen::Index j = 0; j < images.cols(); ++j)
        for (Eigen::Index i = 0; i < images.rows(); ++i)
          if (!std::isfinite(images(i, j)))
            throw ConfigError("Dataset: images(" + std::to_string(i) + ", " + std::to_string(j) + ") = " +
                              std::to_string(images(i, j)) + " (sample " + std::to_string(j) +
                              "), expected a finite value");
    }
  }
};

/// Checks that `data` fits a network whose input shape is `In` and output has
/// `num_outputs` classes, and that it is not empty.
/// \throws ShapeError naming the data set's and the network's shapes; ConfigError if
/// the data set is empty.
template <ShapeType In>
void check_input_shape(const Dataset& data, const char* where, std::size_t num_outputs) {
  data.validate_shape();
  if (data.size() == 0) throw ConfigError(std::string(where) + ": the data set is empty");
  if (data.num_classes > num_outputs)
    throw ShapeError(std::string(where) + ": the data set has num_classes = " + std::to_string(data.num_classes) +
                     " but the network has only " + std::to_string(num_outputs) + " outputs");
  // A flat network input (Shape<N>) takes any image of N features (a 1x28x28 image fits
  // Shape<784>); an image-shaped one (convolutions) needs the same C, H and W.
  const bool image_input = In::height > 1 || In::width > 1;
  const bool same_chw = data.channels == In::channels && data.height == In::height && data.width == In::width;
  if (data.features() != In::size || static_cast<std::size_t>(data.images.rows()) != In::size ||
      (image_input && !same_chw))
    throw ShapeError(std::string(where) + ": data set samples have " + std::to_string(data.channels) + "x" +
                     std::to_string(data.height) + "x" + std::to_string(data.width) + " = " +
                     std::to_string(data.features()) + " features, the network's input is " +
                     std::to_string(In::channels) + "x" + std::to_string(In::height) + "x" +
                     std::to_string(In::width) + " = " + std::to_string(In::size));
}

}  // namespace dualspike
