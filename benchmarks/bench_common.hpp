#pragma once
// Helpers shared by dualspike's benchmark programs (not part of the library): where the
// data sets are, thread control, training a network for trained-like weights.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <dualspike/dualspike.hpp>

#ifdef _OPENMP
#include <omp.h>
#endif

#ifndef DUALSPIKE_SOURCE_DIR
#define DUALSPIKE_SOURCE_DIR "."
#endif

namespace dualspike::bench {

/// `$name` if set and not empty, else `fallback`.
inline std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

/// MNIST directory: $DUALSPIKE_DATA_DIR, else <source>/data/mnist (where scripts/setup.sh puts it).
inline std::filesystem::path mnist_dir() {
  return env_or("DUALSPIKE_DATA_DIR", std::string(DUALSPIKE_SOURCE_DIR) + "/data/mnist");
}

/// Threads used by Eigen's matrix products and by OpenMP loops: OpenMP's count only. Eigen
/// follows it unless Eigen::setNbThreads fixes its own, which would defeat dualspike's rule
/// of running small products on one thread (core/linalg.hpp; training measured 2x slower).
inline void set_threads(int n) {
#ifdef _OPENMP
  omp_set_num_threads(n);
#else
  (void)n;
#endif
}

inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

/// Sets `SimulateOptions::threads` when the library has that option (a no-op before).
template <class Options>
void set_simulate_threads(Options& o, int n) {
  if constexpr (requires { o.threads; }) o.threads = static_cast<decltype(o.threads)>(n);
}

/// Trains `net` (initialized from `seed`) for `epochs` epochs on the first `images`
/// training samples: Adam, constant learning rate `lr`, batch 128. Returns the reports.
template <class Net>
std::vector<EpochReport> train_net(Net& net, const Dataset& train_set, std::size_t images, float lr, int epochs = 1,
                                   std::uint64_t seed = 2) {
  net.init(seed);
  TrainOptions opt;
  opt.epochs = epochs;
  opt.batch_size = 128;
  opt.seed = seed;
  opt.schedule.kind = LrSchedule::Kind::constant;
  const Dataset subset = images < train_set.size() ? train_set.slice(0, images) : train_set;
  return train(net, subset, Adam{lr}, opt);
}

}  // namespace dualspike::bench
