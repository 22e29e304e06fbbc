// Stand-alone timing of forward + backward of the Dense / Conv2d layers of Net1 and Net2
// (batch 128): prints, per layer, the least process CPU time over the repetitions in
// microseconds. Not part of the CMake build; used for docs/reliability.md (determinism):
//   g++ -std=c++20 -O3 -DNDEBUG -march=x86-64-v3 -fopenmp -I include -I /usr/include/eigen3 \
//       benchmarks/time_layer_backward.cpp -o /tmp/time_layer_backward && /tmp/time_layer_backward 1
// Build it once against each version of the headers and run the two alternately.
#include <dualspike/layers/conv2d.hpp>
#include <dualspike/layers/dense.hpp>

#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace ds = dualspike;

template <class L>
double time_layer(int reps) {
  L layer, grad;
  ds::Rng rng(1);
  layer.init(rng);
  ds::Matrix x = ds::Matrix::Random(L::input_shape::size, 128), dy = ds::Matrix::Random(L::output_shape::size, 128), y, dx;
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    timespec a{}, b{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    layer.forward(x, y);
    layer.backward(x, y, dy, &dx, grad);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    best = std::min(best, static_cast<double>(b.tv_sec - a.tv_sec) + 1e-9 * static_cast<double>(b.tv_nsec - a.tv_nsec));
  }
  return best * 1e6;
}
int main(int argc, char** argv) {
  omp_set_num_threads(argc > 1 ? std::atoi(argv[1]) : 1);
  std::printf("dense784x1200 %.0f dense1200x1200 %.0f dense1200x10 %.0f conv1 %.0f conv2 %.0f\n", time_layer<ds::DenseLayer<784, 1200>>(25), time_layer<ds::DenseLayer<1200, 1200>>(25),
              time_layer<ds::DenseLayer<1200, 10>>(200), time_layer<ds::Conv2dLayer<ds::Shape<1, 28, 28>, 12, 5>>(25),
              time_layer<ds::Conv2dLayer<ds::Shape<12, 12, 12>, 64, 5>>(25));
}
