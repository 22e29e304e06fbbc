// Downstream smoke test of the core alone (dualspike::core, <dualspike/core.hpp>): it builds
// without zlib and nlohmann-json, pulls neither header in, and trains, converts and runs.
#include <dualspike/core.hpp>

#include <cstdio>

#ifdef NLOHMANN_JSON_VERSION_MAJOR
#error "<dualspike/core.hpp> included nlohmann/json.hpp"
#endif
#ifdef ZLIB_VERSION
#error "<dualspike/core.hpp> included zlib.h"
#endif

int main() {
  namespace ds = dualspike;
  using Net = ds::Sequential<ds::Input<ds::Shape<4>>, ds::Dense<8>, ds::StReLU<>, ds::Dense<2>>;
  // Two separable classes: x0 + x1 > x2 + x3 or not.
  ds::Dataset data;
  data.channels = 1;
  data.height = 1;
  data.width = 4;
  data.num_classes = 2;
  data.images = ds::Matrix::Random(4, 64);
  for (Eigen::Index j = 0; j < data.images.cols(); ++j) {
    const auto c = data.images.col(j);
    data.labels.push_back(c(0) + c(1) > c(2) + c(3) ? 1 : 0);
  }
  Net net;
  net.init(1);
  ds::TrainOptions options;
  options.epochs = 30;
  options.batch_size = 16;
  ds::train(net, data, ds::Adam{1e-2f}, options);
  const double ann = ds::evaluate(net, data).accuracy;
  ds::SimulateOptions sim;
  sim.time_steps = 16;
  const ds::SimulationResult snn = ds::simulate(ds::to_snn(net), data, sim);
  const bool ok = ann > 0.8 && snn.accuracy.back() > 0.7;
  std::printf("dualspike %d.%d.%d core consumer: ANN %.2f, SNN at T = 16 %.2f -> %s\n", DUALSPIKE_VERSION_MAJOR,
              DUALSPIKE_VERSION_MINOR, DUALSPIKE_VERSION_PATCH, ann, snn.accuracy.back(), ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
