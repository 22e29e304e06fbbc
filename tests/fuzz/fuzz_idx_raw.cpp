// libFuzzer target: parse_idx on raw (uncompressed) IDX bytes, then make_dataset when the
// array is an images array (3 dims). Inputs starting with the gzip magic go to the gzip
// path; fuzz_idx_gzip covers that one.
#include <dualspike/data/idx.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const dualspike::IdxArray a = dualspike::parse_idx(std::span(data, size), "fuzz.idx");
    if (a.dims.size() == 3) {
      // Labels of the right count (all class 0), so make_dataset runs to the end; none when
      // the count cannot be real (n > bytes present: rows or cols is 0, which make_dataset
      // refuses), so the harness itself never allocates from an unchecked size.
      const std::size_t n = a.dims[0] <= a.data.size() ? a.dims[0] : 0;
      dualspike::IdxArray labels{{n}, std::vector<std::uint8_t>(n, 0)};
      const dualspike::Dataset d = dualspike::make_dataset(a, labels, 10, "fuzz.idx", "labels");
      d.validate();
    } else if (a.dims.size() == 1) {
      // As a labels array for a 1x1-pixel images array of the same count.
      dualspike::IdxArray images{{a.dims[0], 1, 1}, std::vector<std::uint8_t>(a.dims[0], 7)};
      (void)dualspike::make_dataset(images, a, 10, "images", "fuzz.idx");
    }
  } catch (const dualspike::Error&) {
    // Refusing malformed input with a dualspike error is the expected outcome.
  }
  return 0;
}
