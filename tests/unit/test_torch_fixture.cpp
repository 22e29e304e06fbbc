// PyTorch reference data: a network trained and exported by tools/make_torch_fixture.py
// (convolution with padding, BatchNorm, stReLU, average pooling, flatten, dense), its
// weights loaded here: the ANN's logits within 1e-4 of PyTorch's, and its SNN (BatchNorm
// folded) following them. The files are committed under tests/fixtures; the CTest test
// torch_fixture_regenerated runs this case again on files PyTorch writes anew
// (DUALSPIKE_TORCH_FIXTURE_DIR) when python3-torch is installed.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include <dualspike/dualspike.hpp>

namespace ds = dualspike;

namespace {
using TorchSmall = ds::Sequential<ds::Input<ds::Shape<2, 8, 8>>, ds::Conv2d<4, 3, 1, 1>, ds::BatchNorm, ds::StReLU<>,
                                  ds::AvgPool2d<2>, ds::Flatten, ds::Dense<8>, ds::StReLU<>, ds::Dense<3>>;

std::filesystem::path fixture_dir() {
  if (const char* d = std::getenv("DUALSPIKE_TORCH_FIXTURE_DIR"); d != nullptr && *d != '\0') return d;
  return DUALSPIKE_FIXTURE_DIR;
}

struct Reference {
  ds::Matrix inputs;  // features x batch (each column one PyTorch sample, CHW order)
  ds::Matrix logits;  // classes x batch
};

Reference load_reference() {
  const ds::SafetensorsFile io = ds::read_safetensors(fixture_dir() / "torch_small_io.safetensors");
  const ds::SafetensorsTensor& in = io.tensors.at("inputs");
  const ds::SafetensorsTensor& out = io.tensors.at("logits");
  REQUIRE(in.shape == std::vector<std::size_t>{5, 2, 8, 8});
  REQUIRE(out.shape == std::vector<std::size_t>{5, 3});
  Reference r{ds::Matrix(128, 5), ds::Matrix(3, 5)};
  for (Eigen::Index n = 0; n < 5; ++n) {
    for (Eigen::Index f = 0; f < 128; ++f) r.inputs(f, n) = in.values[static_cast<std::size_t>(n * 128 + f)];
    for (Eigen::Index k = 0; k < 3; ++k) r.logits(k, n) = out.values[static_cast<std::size_t>(n * 3 + k)];
  }
  return r;
}
}  // namespace

TEST_CASE("PyTorch fixture: exported weights give PyTorch's logits within 1e-4, and the SNN follows them") {
  TorchSmall ann;
  ds::load_safetensors(ann, fixture_dir() / "torch_small.safetensors");
  const Reference ref = load_reference();

  const ds::Matrix logits = ann.predict(ref.inputs);
  CHECK((logits - ref.logits).cwiseAbs().maxCoeff() < 1e-4f);
  CHECK(ref.logits.cwiseAbs().maxCoeff() > 1.0f);  // the reference is not trivially near 0

  // The SNN's mean readout approaches the logits as T grows (each hidden rate within ~1/T of
  // its activation); at T = 4 it is still far off, so the bound can fail.
  const auto snn = ds::to_snn<ds::RoundingFiring>(ann);
  const ds::Runner runner(snn);
  auto gap = [&](std::size_t T) {
    auto st = runner.begin(ref.inputs);
    runner.run(st, T);
    return (st.readout() / static_cast<float>(T) - ref.logits).cwiseAbs().maxCoeff();
  };
  const float gap_long = gap(4096);
  MESSAGE("max |SNN mean readout - PyTorch logit|: T = 4: " << gap(4) << ", T = 4096: " << gap_long);
  CHECK(gap_long < 0.02f);
  CHECK(gap(4) > gap_long);
}

TEST_CASE("PyTorch fixture: a network of another shape refuses the file and keeps its weights") {
  using Wider = ds::Sequential<ds::Input<ds::Shape<2, 8, 8>>, ds::Conv2d<5, 3, 1, 1>, ds::BatchNorm, ds::StReLU<>,
                               ds::AvgPool2d<2>, ds::Flatten, ds::Dense<8>, ds::StReLU<>, ds::Dense<3>>;
  Wider net;
  net.init(3);
  const Wider before = net;
  CHECK_THROWS_WITH_AS(ds::load_safetensors(net, fixture_dir() / "torch_small.safetensors"),
                       doctest::Contains("0.weight"), ds::ShapeError);
  CHECK(net.get<0>().weight == before.get<0>().weight);
}
