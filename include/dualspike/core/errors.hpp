#pragma once
/// \file errors.hpp
/// The exception hierarchy. Every error message names the file/field, the value found
/// and what was expected. Thrown only at the edges (loading, configuration); hot loops
/// are `noexcept`.
#include <stdexcept>
#include <string>

namespace dualspike {

/// Base of every exception dualspike throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A file's contents are malformed (bad magic, truncated, inconsistent sizes ...).
class FormatError : public Error {
 public:
  using Error::Error;
};

/// A tensor or data set has the wrong shape for the network or the call.
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// A configuration value is out of range (threshold <= 0 or NaN, T = 0, batch size 0 ...).
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A file cannot be opened or read (missing, permissions, I/O failure).
class IoError : public Error {
 public:
  using Error::Error;
};

}  // namespace dualspike
