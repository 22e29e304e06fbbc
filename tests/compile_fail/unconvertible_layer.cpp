// Must NOT compile: a layer without an exact spiking counterpart is refused by to_snn.
#include <dualspike/dualspike.hpp>
namespace ds = dualspike;

template <ds::ShapeType S>
struct SquareLayer {  // a valid ANN layer (y = x^2) with no spiking counterpart
  using input_shape = S;
  using output_shape = S;
  void forward(const ds::Matrix& x, ds::Matrix& y) const { y = x.cwiseProduct(x); }
  void backward(const ds::Matrix& x, const ds::Matrix&, const ds::Matrix& dy, ds::Matrix* dx, SquareLayer&) const {
    if (dx) *dx = 2.0f * x.cwiseProduct(dy);
  }
  void init(ds::Rng&) {}
  void append_parameters(ds::ParameterList&, const std::string&) {}
  void validate(const std::string&) const {}
  static constexpr std::size_t macs() { return 0; }
};
struct Square {
  template <ds::ShapeType In>
  using bind = SquareLayer<In>;
};

int main() {
  ds::Sequential<ds::Input<ds::Shape<4>>, ds::Dense<3>, Square, ds::Dense<2>> net;
  auto snn = ds::to_snn(net);
  (void)snn;
}
