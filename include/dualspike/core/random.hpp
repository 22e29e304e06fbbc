#pragma once
/// \file random.hpp
/// Portable seeded randomness: the same seed gives the same initialization and the same
/// shuffling on every standard library (std::uniform_*_distribution and std::shuffle are
/// implementation-defined, so they are not used).
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <string_view>

namespace dualspike {

/// 64-bit Mersenne Twister with portable uniform draws.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  /// Uniform float in [lo, hi) (24 random mantissa bits).
  float uniform(float lo, float hi) noexcept {
    const float u = static_cast<float>(engine_() >> 40) * 0x1.0p-24f;
    return lo + (hi - lo) * u;
  }

  /// Uniform integer in [0, n) (rejection sampling, unbiased); 0 when n = 0.
  std::uint64_t below(std::uint64_t n) noexcept {
    if (n == 0) return 0;
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x = engine_();
    while (x >= limit) x = engine_();
    return x % n;
  }

  /// Fisher-Yates shuffle of `values`.
  template <class T>
  void shuffle(std::span<T> values) noexcept {
    for (std::size_t i = values.size(); i > 1; --i) std::swap(values[i - 1], values[below(i)]);
  }

  /// The engine's full state as text (the standard's portable `operator<<` format of
  /// std::mt19937_64: 313 decimal numbers), for checkpoints.
  [[nodiscard]] std::string state() const {
    std::ostringstream out;
    out << engine_;
    return out.str();
  }

  /// Restores a state written by state(). Returns false (and leaves the engine
  /// unchanged) if `text` is not such a state.
  [[nodiscard]] bool set_state(std::string_view text) {
    std::istringstream in{std::string(text)};
    std::mt19937_64 parsed;
    in >> parsed;
    if (in.fail()) return false;
    in >> std::ws;
    if (!in.eof()) return false;
    engine_ = parsed;
    return true;
  }

  friend bool operator==(const Rng& a, const Rng& b) noexcept { return a.engine_ == b.engine_; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace dualspike
