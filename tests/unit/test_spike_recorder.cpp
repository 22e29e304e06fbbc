// Spike recording (analysis/spike_recorder.hpp) on the IF-08 network of
// shared/cases/cases.json: hidden spike trains 00100101 and 00101010 for x = [0.5, 0.25],
// negative spikes at t = 3, 6, 8 and t = 4, 7 for -x.
#include <algorithm>
#include <cstdint>
#include <ratio>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/analysis/spike_recorder.hpp>
#include <dualspike/dualspike.hpp>

namespace ds = dualspike;

namespace {
using Tiny = ds::Sequential<ds::Input<ds::Shape<2>>, ds::Dense<2>, ds::StReLU<std::ratio<1>>, ds::Dense<2>>;

ds::Runner<ds::snn_t<Tiny>> if08_runner() {
  Tiny net;
  net.get<0>().weight << 1.0f, -0.5f, 0.5f, 0.5f;
  net.get<0>().bias << 0.0f, 0.0625f;
  net.get<2>().weight << 1.0f, -1.0f, 0.5f, 1.0f;
  net.get<2>().bias << 0.25f, 0.0f;
  return ds::Runner(ds::to_snn(net));
}

ds::Matrix inputs() {
  ds::Matrix x(2, 3);
  x << 0.0f, 0.5f, -0.5f, 0.0f, 0.25f, -0.25f;
  return x;
}

std::string train(const ds::SpikeRecord& r, std::size_t s, std::size_t neuron) {
  std::string out;
  for (std::size_t t = 1; t <= r.time_steps(); ++t) {
    const int v = r.spikes(0, t, s)[neuron];
    out += v > 0 ? '+' : v < 0 ? '-' : '0';
  }
  return out;
}
}  // namespace

TEST_CASE("record_spikes: the hand-computed spike trains of the chosen samples") {
  const auto runner = if08_runner();
  const ds::SpikeRecord r = ds::record_spikes(runner, inputs(), {.time_steps = 8, .layers = {1}, .samples = {2, 1}});
  CHECK(r.layers() == std::vector<std::size_t>{1});
  CHECK(r.samples() == std::vector<std::size_t>{2, 1});
  CHECK(r.neurons(0) == 2);
  CHECK(train(r, 1, 0) == "00+00+0+");  // sample 1 (x)
  CHECK(train(r, 1, 1) == "00+0+0+0");
  CHECK(train(r, 0, 0) == "00-00-0-");  // sample 2 (-x)
  CHECK(train(r, 0, 1) == "000-00-0");
  CHECK_THROWS_AS((void)r.spikes(0, 0, 0), std::out_of_range);
  CHECK_THROWS_AS((void)r.spikes(0, 9, 0), std::out_of_range);
  CHECK_THROWS_AS((void)r.spikes(1, 1, 0), std::out_of_range);

  std::ostringstream csv;
  r.write_csv(csv);
  const std::string text = csv.str();
  CHECK(text.rfind("layer,sample,t,neuron,spike\n1,2,3,0,-1\n1,2,4,1,-1\n", 0) == 0);
  CHECK(std::count(text.begin(), text.end(), '\n') == 1 + 5 + 6);  // 5 negative, 6 positive spikes
}

TEST_CASE("record_spikes: bad requests are typed errors naming the field and the value") {
  const auto runner = if08_runner();
  auto message = [&](const ds::SpikeRecordOptions& o, const ds::Matrix& x) {
    try {
      (void)ds::record_spikes(runner, x, o);
    } catch (const ds::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const ds::Matrix x = inputs();
  CHECK(message({.layers = {0}, .samples = {0}}, x).find("layers: 0 is not a neuron layer") != std::string::npos);
  CHECK(message({.layers = {7}, .samples = {0}}, x).find("layers: 7 is not a neuron layer") != std::string::npos);
  CHECK(message({.layers = {}, .samples = {0}}, x).find("layers is empty") != std::string::npos);
  CHECK(message({.layers = {1}, .samples = {}}, x).find("samples is empty") != std::string::npos);
  CHECK(message({.layers = {1}, .samples = {3}}, x).find("samples: 3 is beyond the input's 3 samples") !=
        std::string::npos);
  CHECK(message({.time_steps = 0, .layers = {1}, .samples = {0}}, x).find("time_steps") != std::string::npos);
  // 100 steps x 2 samples x 2 neurons = 400 bytes > 399.
  CHECK(message({.time_steps = 100, .layers = {1}, .samples = {0, 1}, .max_bytes = 399}, x)
            .find("exceed max_bytes = 399") != std::string::npos);
  CHECK(message({.time_steps = 100, .layers = {1}, .samples = {0, 1}, .max_bytes = 400}, x) == "no error");
  CHECK(message({.layers = {1}, .samples = {0}}, ds::Matrix::Zero(3, 1)).find("rows (features), expected 2") !=
        std::string::npos);
}
