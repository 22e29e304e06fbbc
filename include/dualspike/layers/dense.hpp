#pragma once
/// \file dense.hpp
/// Fully connected layer `y = W x + b` (PyTorch `nn.Linear`). Carries over unchanged to
/// the SNN, where it acts on `Vth * spikes` every time step (paper eq. 3; bias added at
/// every step).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "../core/checks.hpp"
#include "../core/errors.hpp"
#include "../core/linalg.hpp"
#include "../core/parameter.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"
#include "../network/spiking_layer.hpp"

namespace dualspike {

/// Concrete dense layer with `In` input and `Out` output features.
/// Shapes: input `In x batch`, output `Out x batch`; `weight` is `Out x In` (row o holds
/// the weights into output o, as PyTorch's `weight`), `bias` has `Out` entries.
template <std::size_t In, std::size_t Out>
class DenseLayer : public detail::StatelessSpiking<DenseLayer<In, Out>, synapse_role> {
 public:
  static_assert(In > 0 && Out > 0, "dualspike::Dense: sizes must be > 0");
  using input_shape = Shape<In>;
  using output_shape = Shape<Out>;
  static constexpr std::size_t in_features = In;
  static constexpr std::size_t out_features = Out;
  /// In the SNN: a synapse whose current the executor may update from input changes.
  using event_path = dense_event_path;

  Matrix weight = Matrix::Zero(Out, In);
  Vector bias = Vector::Zero(Out);

  /// PyTorch's default: weight and bias ~ U(-1/sqrt(In), 1/sqrt(In)).
  void init(Rng& rng) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(In));
    for (Eigen::Index i = 0; i < weight.size(); ++i) weight.data()[i] = rng.uniform(-bound, bound);
    for (Eigen::Index i = 0; i < bias.size(); ++i) bias[i] = rng.uniform(-bound, bound);
  }

  /// y = W x + b (column j = sample j). Bit-identical for any number of threads
  /// (`product`, core/linalg.hpp).
  void forward(const Matrix& x, Matrix& y) const {
    product(y, weight, x);
    y.colwise() += bias;
  }

  /// Assigns dW = dy x^T, db = sum over the batch of dy, and dx = W^T dy; `dx` may be
  /// `&dy`. Bit-identical for any number of threads: the products are `product`s, and db
  /// is summed in double in sample order (exact for cancelling terms such as
  /// 1e8, 1, -1e8, 1). dW is a float GEMM over the batch (cancelling terms lose bits).
  void backward(const Matrix& x, const Matrix& /*y*/, const Matrix& dy, Matrix* dx, DenseLayer& grad) const {
    product(grad.weight, dy, x.transpose());
    Eigen::VectorXd db = Eigen::VectorXd::Zero(dy.rows());
    add_row_sums(db, dy);
    grad.bias = db.cast<float>();
    GradientOutput out(dx, dy);
    if (out.get() != nullptr) product(*out.get(), weight.transpose(), dy);
    out.finish();
  }

  void append_parameters(ParameterList& list, const std::string& prefix) {
    list.push_back({prefix + "weight", {weight.data(), static_cast<std::size_t>(weight.size())}});
    list.push_back({prefix + "bias", {bias.data(), static_cast<std::size_t>(bias.size())}});
  }

  /// \throws ShapeError if weight is not Out x In or bias not Out; ConfigError naming
  /// the tensor and entry of the first NaN/inf parameter (`weight[row, col]`, `bias[i]`).
  void validate(const std::string& prefix) const {
    if (weight.rows() != static_cast<Eigen::Index>(Out) || weight.cols() != static_cast<Eigen::Index>(In))
      throw ShapeError(prefix + "weight is " + std::to_string(weight.rows()) + "x" + std::to_string(weight.cols()) +
                       ", expected " + std::to_string(Out) + "x" + std::to_string(In));
    if (bias.size() != static_cast<Eigen::Index>(Out))
      throw ShapeError(prefix + "bias has " + std::to_string(bias.size()) + " entries, expected " + std::to_string(Out));
    require_all_finite(weight, prefix + "weight");
    require_all_finite(bias, prefix + "bias");
  }

  /// Multiply-accumulates per sample.
  [[nodiscard]] static constexpr std::size_t macs() noexcept { return In * Out; }

  /// Synapses leaving each input neuron: every input feeds all `Out` outputs.
  [[nodiscard]] static constexpr double fan_out() noexcept { return static_cast<double>(Out); }
  /// Exact SOP counting (spiking-layer contract): `per_input[j]` = the sum of
  /// `per_output[i]` over the outputs i that input j feeds - here all of them.
  /// Sizes: `per_output` Out, `per_input` In.
  static void fan_out_paths(std::span<const std::uint64_t> per_output, std::span<std::uint64_t> per_input) noexcept {
    std::uint64_t total = 0;
    for (const std::uint64_t v : per_output) total += v;
    for (std::uint64_t& v : per_input) v = total;
  }

  /// This layer with a following BatchNorm folded in: row o of the weight times scale[o],
  /// bias' = scale .* bias + shift (see batch_norm.hpp; case BN-01).
  [[nodiscard]] DenseLayer fold_batch_norm(const Vector& scale, const Vector& shift) const {
    DenseLayer folded = *this;
    folded.weight.array().colwise() *= scale.array();
    folded.bias = (scale.array() * bias.array() + shift.array()).matrix();
    return folded;
  }

};

namespace detail {
template <ShapeType S, std::size_t Out>
struct dense_bind {
  static_assert(S::height == 1 && S::width == 1,
                "dualspike::Dense needs a flat input (Shape<N, 1, 1>): declare the input as Input<Shape<C*H*W>> "
                "(a 1x28x28 MNIST data set fits Input<Shape<784>>)");
  using type = DenseLayer<S::size, Out>;
};
}  // namespace detail

/// Layer spec: a dense layer with `Out` outputs; its input size is inferred from the
/// previous layer inside a `Sequential`.
template <std::size_t Out>
struct Dense {
  template <ShapeType In>
  using bind = typename detail::dense_bind<In, Out>::type;
};

}  // namespace dualspike
