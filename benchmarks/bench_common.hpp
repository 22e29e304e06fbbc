#pragma once
// Helpers shared by dualspike's benchmark programs (not part of the library): where the
// data sets are, thread control, Net1 weights (trained at start-up or read from a
// safetensors file) and a minimal safetensors reader/writer used until
// <dualspike/io/safetensors.hpp> exists.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <dualspike/dualspike.hpp>

#ifdef _OPENMP
#include <omp.h>
#endif

#if __has_include(<dualspike/io/safetensors.hpp>)
#include <dualspike/io/safetensors.hpp>
#define DUALSPIKE_BENCH_LIBRARY_SAFETENSORS 1
#else
#define DUALSPIKE_BENCH_LIBRARY_SAFETENSORS 0
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

/// Threads used by Eigen's matrix products and by OpenMP loops.
inline void set_threads(int n) {
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
  Eigen::setNbThreads(n);
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

// ---- safetensors (F32, PyTorch state_dict names and row-major Out x In layout) ----------
namespace detail {
inline std::vector<std::size_t> tensor_shape(const Matrix& m) {
  return {static_cast<std::size_t>(m.rows()), static_cast<std::size_t>(m.cols())};
}

/// Writes `net.parameters()` as a safetensors file. Matrices (Eigen col-major, Out x In)
/// are written row-major as PyTorch stores them; vectors as 1-D tensors. `shapes[i]` is the
/// shape of parameter i.
inline void write_safetensors(const std::filesystem::path& path, const ParameterList& params,
                              const std::vector<std::vector<std::size_t>>& shapes) {
  std::string header = "{";
  std::size_t offset = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::size_t bytes = params[i].values.size() * sizeof(float);
    header += (i ? ",\"" : "\"") + params[i].name + "\":{\"dtype\":\"F32\",\"shape\":[";
    for (std::size_t d = 0; d < shapes[i].size(); ++d) header += (d ? "," : "") + std::to_string(shapes[i][d]);
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
    offset += bytes;
  }
  header += "}";
  while (header.size() % 8 != 0) header += ' ';
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  const std::uint64_t n = header.size();
  out.write(reinterpret_cast<const char*>(&n), 8);  // little endian on x86-64
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (std::size_t i = 0; i < params.size(); ++i) {
    std::vector<float> data(params[i].values.begin(), params[i].values.end());
    if (shapes[i].size() == 2) {  // col-major (rows x cols) -> row-major
      const std::size_t r = shapes[i][0], c = shapes[i][1];
      for (std::size_t a = 0; a < r; ++a)
        for (std::size_t b = 0; b < c; ++b) data[a * c + b] = params[i].values[b * r + a];
    }
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size() * sizeof(float)));
  }
  if (!out) throw std::runtime_error("error writing " + path.string());
}

/// Reads the F32 tensors named like `params` from a safetensors file written by
/// write_safetensors or by PyTorch (only the minimal JSON this needs is parsed).
inline void read_safetensors(const std::filesystem::path& path, ParameterList& params,
                             const std::vector<std::vector<std::size_t>>& shapes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  if (!in || n > (1u << 24)) throw std::runtime_error(path.string() + ": not a safetensors file");
  std::string header(n, '\0');
  in.read(header.data(), static_cast<std::streamsize>(n));
  const std::streamoff data_start = static_cast<std::streamoff>(8 + n);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string key = "\"" + params[i].name + "\"";
    const auto at = header.find(key);
    if (at == std::string::npos) throw std::runtime_error(path.string() + ": no tensor " + key);
    const auto end = header.find('}', at);
    const std::string entry = header.substr(at, end - at);
    if (entry.find("\"F32\"") == std::string::npos) throw std::runtime_error(path.string() + ": " + key + " is not F32");
    const auto off = entry.find("data_offsets");
    const auto lb = entry.find('[', off);
    const std::size_t begin = std::stoull(entry.substr(lb + 1));
    const std::size_t stop = std::stoull(entry.substr(entry.find(',', lb) + 1));
    if (stop - begin != params[i].values.size() * sizeof(float))
      throw std::runtime_error(path.string() + ": " + key + " has " + std::to_string((stop - begin) / 4) +
                               " values, expected " + std::to_string(params[i].values.size()));
    std::vector<float> data(params[i].values.size());
    in.seekg(data_start + static_cast<std::streamoff>(begin));
    in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(stop - begin));
    if (!in) throw std::runtime_error(path.string() + ": truncated at " + key);
    if (shapes[i].size() == 2) {  // row-major -> col-major
      const std::size_t r = shapes[i][0], c = shapes[i][1];
      for (std::size_t a = 0; a < r; ++a)
        for (std::size_t b = 0; b < c; ++b) params[i].values[b * r + a] = data[a * c + b];
    } else {
      std::copy(data.begin(), data.end(), params[i].values.begin());
    }
  }
}

}  // namespace detail

/// Saves Net1's weights as safetensors (PyTorch state_dict names "0.weight", "0.bias",
/// "2.weight", ..., weights Out x In row-major).
inline void save_net1(nets::Net1& net, const std::filesystem::path& path) {
#if DUALSPIKE_BENCH_LIBRARY_SAFETENSORS
  save_safetensors(net, path);
#else
  detail::write_safetensors(path, net.parameters(),
                            {detail::tensor_shape(net.get<0>().weight), {1200}, detail::tensor_shape(net.get<2>().weight),
                             {1200}, detail::tensor_shape(net.get<4>().weight), {10}});
#endif
}

/// Loads Net1's weights from a safetensors file (as written by save_net1 or PyTorch).
inline void load_net1(nets::Net1& net, const std::filesystem::path& path) {
#if DUALSPIKE_BENCH_LIBRARY_SAFETENSORS
  load_safetensors(net, path);
#else
  ParameterList params = net.parameters();
  detail::read_safetensors(path, params,
                           {detail::tensor_shape(net.get<0>().weight), {1200}, detail::tensor_shape(net.get<2>().weight),
                            {1200}, detail::tensor_shape(net.get<4>().weight), {10}});
#endif
}

/// Trains `net` (initialized from `seed`) for `epochs` epochs on the first `images`
/// training samples: Adam, constant learning rate `lr`, batch 128. Returns the reports.
template <class Net>
std::vector<EpochReport> train_net(Net& net, const Dataset& train_set, std::size_t images, float lr,
                                           int epochs = 1, std::uint64_t seed = 2) {
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
