#pragma once
/// \file layer.hpp
/// The layer contract, stated once.
///
/// A *layer spec* is what users write in a `Sequential` (`Dense<1200>`, `StReLU<>`): it
/// has a member alias template `bind<In>` giving the concrete layer for input shape `In`.
///
/// A concrete *ANN layer* `L` (satisfies `AnnLayer`):
///  - `L::input_shape`, `L::output_shape`: compile-time `Shape`s.
///  - `forward(x, y) const`: reads `x` (`input_shape::size x batch`), assigns `y`
///    (`output_shape::size x batch`, resized as needed). `x` and `y` never alias.
///  - `backward(x, y, dy, dx, grad) const`: `x`, `y` are the input and output of the latest
///    `forward` on this batch, `dy` = dLoss/dy. *Assigns* (never accumulates) the
///    parameter gradients into `grad` (an object of the same type, used as storage) and,
///    if `dx != nullptr`, assigns dLoss/dx to `*dx`. `dx` may be `&dy` (the upstream
///    gradient's storage reused for the result): a layer then reads all of `dy` it needs
///    before overwriting it (coefficient-wise layers) or writes into a temporary first
///    (`GradientOutput`, core/linalg.hpp). Gradients are bit-identical for any number
///    of OpenMP threads.
///  - `init(rng)`: draws the initial parameters (PyTorch's defaults); `append_parameters
///    (list, prefix)` appends views of its parameter tensors named `prefix + "weight"` ...;
///    `validate(prefix)` throws ConfigError on NaN/inf parameters or invalid thresholds.
///  - Optional, for layers that behave differently in training (Dropout's random mask,
///    BatchNorm's batch statistics): `forward_train(x, y, cache, rng) const` is used by
///    training instead of `forward`, and then `backward(x, y, dy, dx, grad, cache)`
///    receives the same `cache`.
///  - `macs()`: multiply-accumulates per sample of its forward pass (0 for activations).
///  - Conversion: the trait `snn_counterpart<L, Firing>` (convert/snn_counterpart.hpp) names
///    the spiking counterpart and copies the weights; a layer without a specialization has
///    no exact spiking counterpart and `to_snn` refuses it at compile time. BatchNorm
///    instead declares `folds_into_previous` and is folded into the Conv2d/Dense before
///    it, which then provide `fold_batch_norm(scale, shift)`.
///  - SOP counting: synaptic layers give `fan_out_paths` (exact, see spiking_layer.hpp)
///    and `fan_out()`, the mean number of outputs each input feeds.
///
/// SNN layers follow the spiking-layer contract (spiking_layer.hpp): a declared role
/// (synapse, neuron, pass-through), a `state_type`, `begin` and `step`.
#include <concepts>
#include <cstddef>
#include <string>

#include "../core/parameter.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"

namespace dualspike {

/// A concrete layer with compile-time input/output shapes and a const `forward`.
template <class L>
concept ShapedLayer = ShapeType<typename L::input_shape> && ShapeType<typename L::output_shape> &&
                      requires(const L& l, const Matrix& x, Matrix& y) { l.forward(x, y); };

/// A trainable ANN layer: the contract above.
template <class L>
concept AnnLayer = ShapedLayer<L> && requires(L& l, const L& cl, const Matrix& m, Matrix* dx, ParameterList& p,
                                              const std::string& s, Rng& rng) {
  cl.backward(m, m, m, dx, l);
  l.init(rng);
  l.append_parameters(p, s);
  cl.validate(s);
  { cl.macs() } -> std::convertible_to<std::size_t>;
};

/// A layer that behaves differently in training (Dropout, BatchNorm): training calls
/// `forward_train` and the cache-taking `backward` instead of `forward` / `backward`.
template <class L>
concept TrainingModeLayer = requires(const L& l, const Matrix& x, Matrix& y, Matrix& cache, Rng& rng, Matrix* dx,
                                        L& grad) {
  l.forward_train(x, y, cache, rng);
  l.backward(x, x, x, dx, grad, x);
};

}  // namespace dualspike
