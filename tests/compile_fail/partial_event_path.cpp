// Must NOT compile: a synapse that declares the dense event path but lacks part of it (no
// bias) is refused with a message, never silently run on another path.
#include <dualspike/dualspike.hpp>
namespace ds = dualspike;

struct HalfDense : ds::detail::StatelessSpiking<HalfDense, ds::synapse_role> {
  using input_shape = ds::Shape<4>;
  using output_shape = ds::Shape<2>;
  using event_path = ds::dense_event_path;  // declared, but there is no bias
  static constexpr std::size_t in_features = 4, out_features = 2;
  ds::Matrix weight = ds::Matrix::Zero(2, 4);
  void forward(const ds::Matrix& x, ds::Matrix& y) const { y = weight * x; }
  static void fan_out_paths(std::span<const std::uint64_t>, std::span<std::uint64_t> per_input) {
    for (auto& v : per_input) v = 2;
  }
};

int main() {
  ds::SpikingSequential<HalfDense, ds::DualThresholdIF<ds::Shape<2>>> snn;
  (void)snn;
}
