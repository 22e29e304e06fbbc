#pragma once
/// \file checks.hpp
/// Argument validation helpers used at the edges (configuration, loading). Each throws a
/// typed error naming the field and the value.
#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>

#include "errors.hpp"
#include "shape.hpp"

namespace dualspike {

/// Formats a float with enough digits to round-trip (for error messages).
inline std::string format_value(double v) {
  std::ostringstream s;
  s.precision(9);
  s << v;
  return s.str();
}

/// \throws ConfigError unless `value` is finite and > 0.
inline void require_positive_finite(double value, const char* field) {
  if (!std::isfinite(value) || !(value > 0))
    throw ConfigError(std::string(field) + " = " + format_value(value) + ", expected a finite value > 0");
}

/// \throws ConfigError unless 0 <= `value` < 1 (NaN fails).
inline void require_unit_interval(double value, const std::string& field) {
  if (!(value >= 0 && value < 1)) throw ConfigError(field + " = " + format_value(value) + ", expected [0, 1)");
}

/// \throws ConfigError unless `value` is finite and >= 0.
inline void require_non_negative_finite(double value, const char* field) {
  if (!std::isfinite(value) || !(value >= 0))
    throw ConfigError(std::string(field) + " = " + format_value(value) + ", expected a finite value >= 0");
}

/// \throws ConfigError unless `value` >= 1.
inline void require_at_least_one(std::size_t value, const char* field) {
  if (value < 1) throw ConfigError(std::string(field) + " = " + std::to_string(value) + ", expected >= 1");
}

/// \throws ConfigError if any value is NaN or infinite, naming the field and the index.
template <class Range>
void require_all_finite(const Range& values, const std::string& field) {
  std::size_t i = 0;
  for (float v : values) {
    if (!std::isfinite(v))
      throw ConfigError(field + "[" + std::to_string(i) + "] = " + format_value(v) + ", expected a finite value");
    ++i;
  }
}

/// \throws ConfigError if any entry of the matrix is NaN or infinite, naming the field and
/// the entry as `field[row, col]` (the first such entry in storage order).
inline void require_all_finite(const Matrix& values, const std::string& field) {
  for (Eigen::Index c = 0; c < values.cols(); ++c)
    for (Eigen::Index r = 0; r < values.rows(); ++r)
      if (!std::isfinite(values(r, c)))
        throw ConfigError(field + "[" + std::to_string(r) + ", " + std::to_string(c) + "] = " +
                          format_value(values(r, c)) + ", expected a finite value");
}

}  // namespace dualspike
