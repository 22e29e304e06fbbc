// libFuzzer target: the gzip path of parse_idx. Each input is tried twice: as it is (when
// it starts with the gzip magic 1f 8b: damaged compressed streams) and compressed with zlib
// (well-formed streams whose content, sizes and trailing bytes are fuzzed).
#include <dualspike/data/idx.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <zlib.h>

namespace {
std::vector<std::uint8_t> gzip(const std::uint8_t* data, std::size_t size) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::vector<std::uint8_t> out(deflateBound(&zs, static_cast<uLong>(size)) + 64);
  zs.next_in = const_cast<Bytef*>(data);
  zs.avail_in = static_cast<uInt>(size);
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return {};
  out.resize(zs.total_out);
  return out;
}

void parse(std::span<const std::uint8_t> bytes) {
  try {
    const dualspike::IdxArray a = dualspike::parse_idx(bytes, "fuzz.idx.gz");
    if (a.dims.size() == 3) {
      // Labels of the right count (all class 0), so make_dataset runs to the end; none when
      // the count cannot be real (n > bytes present: rows or cols is 0, which make_dataset
      // refuses), so the harness itself never allocates from an unchecked size.
      const std::size_t n = a.dims[0] <= a.data.size() ? a.dims[0] : 0;
      dualspike::IdxArray labels{{n}, std::vector<std::uint8_t>(n, 0)};
      (void)dualspike::make_dataset(a, labels, 10, "fuzz.idx.gz", "labels");
    }
  } catch (const dualspike::Error&) {
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) parse(std::span(data, size));
  const std::vector<std::uint8_t> z = gzip(data, size);
  if (!z.empty()) parse(z);
  return 0;
}
