// Stand-alone timing of training steps (forward, backward, Adam) of one network on a batch
// of 128 random inputs: prints the best and mean step time and images/s. Not part of the
// CMake build; used for docs/benchmarks.md ("Training: buffers and threads"). Build it
// against each version of the headers and run the builds alternately:
//   g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -fopenmp -isystem /usr/include/eigen3 -I include
//       [-DNET=ds::nets::Net4] benchmarks/time_train_step.cpp -o /tmp/time_train_step   (one line)
//   /tmp/time_train_step [threads = 2] [steps = 20]
// The first step (allocations) is not counted. The printed weight is a check that both
// builds computed the same thing.
#include <dualspike/dualspike.hpp>

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace ds = dualspike;
#ifndef NET
#define NET ds::nets::Net5Narrow
#endif

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2, steps = argc > 2 ? std::max(2, std::atoi(argv[2])) : 20;
  omp_set_num_threads(threads);
  Eigen::setNbThreads(threads);
  using Net = NET;
  Net net, grads;
  net.init(1);
  typename Net::Workspace ws;
  ds::Adam adam{};
  const ds::ParameterList params = net.parameters(), grad_list = grads.parameters();
  ds::Rng rng(2);
  ds::Matrix x(static_cast<Eigen::Index>(Net::input_shape::size), 128), dlogits;
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform(-1.0f, 1.0f);
  double best = 1e30, total = 0.0;
  for (int s = 0; s < steps; ++s) {
    const auto t0 = std::chrono::steady_clock::now();
    dlogits = net.forward(x, ws) * 1e-3f;  // any upstream gradient: the cost does not depend on it
    net.backward(ws, dlogits, grads);
    adam.step(params, grad_list, 1e-4f);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > 0) best = std::min(best, dt), total += dt;
  }
  std::printf("best %.1f ms, mean %.1f ms per step of 128: %.0f images/s (mean); weight[0] %.9g\n", best * 1e3,
              total / (steps - 1) * 1e3, 128.0 * (steps - 1) / total, static_cast<double>(params[0].values[0]));
}
