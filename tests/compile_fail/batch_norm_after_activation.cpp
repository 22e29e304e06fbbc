// Must NOT compile: a BatchNorm that does not directly follow a Conv2d/Dense cannot be
// folded, and to_snn refuses it instead of dropping it.
#include <dualspike/dualspike.hpp>
namespace ds = dualspike;

int main() {
  ds::Sequential<ds::Input<ds::Shape<4>>, ds::Dense<3>, ds::StReLU<>, ds::BatchNorm, ds::Dense<2>> net;
  auto snn = ds::to_snn(net);
  (void)snn;
}
