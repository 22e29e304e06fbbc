// libFuzzer target: parse_safetensors, then (when the file parses) a serialize/parse round
// trip of its F32 tensors and a strict load into a small network (Dense 3->2, stReLU,
// Dense 2->2), which exercises the name, dtype and shape checks of load_safetensors.
#include <dualspike/activations/threshold.hpp>
#include <dualspike/io/safetensors.hpp>
#include <dualspike/layers/dense.hpp>
#include <dualspike/network/sequential.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

namespace ds = dualspike;
using Tiny = ds::Sequential<ds::Input<ds::Shape<3>>, ds::Dense<2>, ds::StReLU<>, ds::Dense<2>>;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ds::SafetensorsFile file;
  try {
    file = ds::parse_safetensors(std::as_bytes(std::span(data, size)), "fuzz.safetensors");
  } catch (const ds::FormatError&) {
    return 0;  // the expected outcome for malformed input
  }
  // Round trip: what we write from the F32 tensors parses back to the same tensors.
  ds::SafetensorsFile f32;
  f32.metadata = file.metadata;
  for (const auto& [name, t] : file.tensors)
    if (t.dtype == "F32") f32.tensors.emplace(name, t);
  const auto bytes = ds::serialize_safetensors(f32);
  const ds::SafetensorsFile back = ds::parse_safetensors(bytes, "round trip");
  if (back.metadata != f32.metadata || back.tensors.size() != f32.tensors.size()) std::abort();
  for (const auto& [name, t] : f32.tensors) {
    const auto& b = back.tensors.at(name);
    if (b.shape != t.shape || b.values.size() != t.values.size() ||
        (!t.values.empty() && std::memcmp(b.values.data(), t.values.data(), 4 * t.values.size()) != 0))
      std::abort();
  }
  Tiny net;
  try {
    ds::load_safetensors(net, file, "fuzz.safetensors");
  } catch (const ds::Error&) {
  }
  return 0;
}
