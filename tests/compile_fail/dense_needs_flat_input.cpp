// Must NOT compile: Dense after a non-flat (C x H x W) shape needs a Flatten first.
#include <dualspike/dualspike.hpp>
namespace ds = dualspike;

int main() {
  ds::Sequential<ds::Input<ds::Shape<1, 28, 28>>, ds::Dense<10>> net;
  net.init(1);
}
