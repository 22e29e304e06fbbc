// libFuzzer target: parse_cifar10 on CIFAR-10 binary batch bytes (3073-byte records).
#include <dualspike/data/cifar10.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const dualspike::Dataset d = dualspike::parse_cifar10(std::span(data, size), "fuzz.bin");
    d.validate();  // every accepted file is a consistent data set
    if (d.size() * 3073 != size) std::abort();
  } catch (const dualspike::Error&) {
  }
  return 0;
}
