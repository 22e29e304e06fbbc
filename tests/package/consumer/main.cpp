// Downstream smoke test: the public header compiles and a tiny ANN converts and runs.
#include <dualspike/dualspike.hpp>

#include <cstdio>

#ifndef DUALSPIKE_VERSION_MAJOR
#error "DUALSPIKE_VERSION_MAJOR is not defined by <dualspike/dualspike.hpp>"
#endif

int main() {
  using Net = dualspike::Sequential<dualspike::Input<dualspike::Shape<4>>, dualspike::Dense<3>, dualspike::StReLU<>,
                                    dualspike::Dense<2>>;
  Net net;
  net.init(1);
  const dualspike::Runner runner(dualspike::to_snn(net));  // the executor owns a copy of the SNN

  const dualspike::Matrix x = dualspike::Matrix::Random(4, 2);
  const dualspike::Matrix y = net.predict(x);

  dualspike::Runner<dualspike::snn_t<Net>>::State state;
  runner.begin(x.col(0), state);  // one sample, as a stream would: a column expression converts
  runner.run(state, 4);        // time-blocked (batch below 64)
  const bool stream_ok = state.readout().rows() == 2 && state.readout().cols() == 1 && state.readout().allFinite();
  runner.begin(x, state);
  for (int t = 0; t < 4; ++t) runner.step(state);

  const bool ok = stream_ok && y.rows() == 2 && y.cols() == 2 && state.readout().rows() == 2 && state.readout().cols() == 2 &&
                  y.allFinite() && state.readout().allFinite();
  std::printf("dualspike %d.%d.%d consumer: ann %ldx%ld, snn %ldx%ld -> %s\n", DUALSPIKE_VERSION_MAJOR,
              DUALSPIKE_VERSION_MINOR, DUALSPIKE_VERSION_PATCH, static_cast<long>(y.rows()), static_cast<long>(y.cols()),
              static_cast<long>(state.readout().rows()), static_cast<long>(state.readout().cols()), ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
