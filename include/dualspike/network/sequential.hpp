#pragma once
/// \file sequential.hpp
/// `Sequential<Input<Shape>, Specs...>`: a static feed-forward ANN. Each layer's input
/// shape is inferred at compile time from the previous layer's output, so a mismatch is a
/// compile error. The network holds parameters only; per-run buffers live in `Workspace`.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>

#include "../core/errors.hpp"
#include "../core/parameter.hpp"
#include "../core/random.hpp"
#include "../core/shape.hpp"
#include "layer.hpp"
#include "tuple_utils.hpp"

namespace dualspike {

/// First element of a `Sequential`: the shape of one input sample (CHW).
template <ShapeType S>
struct Input {
  using shape = S;
};

namespace detail {
template <class In, class... Specs>
struct bind_layers {
  using type = std::tuple<>;
};
template <class In, class Spec, class... Rest>
struct bind_layers<In, Spec, Rest...> {
  using layer = typename Spec::template bind<In>;
  static_assert(AnnLayer<layer>, "dualspike::Sequential: this layer does not satisfy the AnnLayer contract (layer.hpp)");
  static_assert(std::is_same_v<typename layer::input_shape, In>,
                "dualspike::Sequential: a layer's input shape differs from the previous layer's output shape");
  using type = decltype(std::tuple_cat(std::declval<std::tuple<layer>>(),
                                       std::declval<typename bind_layers<typename layer::output_shape, Rest...>::type>()));
};
}  // namespace detail

template <class InputSpec, class... Specs>
class Sequential {
  static_assert(sizeof(InputSpec) == 0, "dualspike::Sequential: the first argument must be Input<Shape<C, H, W>>");
};

/// A feed-forward ANN. Activations are `features x batch` matrices (column = sample).
template <ShapeType S, class... Specs>
class Sequential<Input<S>, Specs...> {
 public:
  static_assert(sizeof...(Specs) > 0, "dualspike::Sequential: needs at least one layer after Input");
  using layers_type = typename detail::bind_layers<S, Specs...>::type;
  static constexpr std::size_t num_layers = sizeof...(Specs);
  template <std::size_t I>
  using layer_type = std::tuple_element_t<I, layers_type>;
  using input_shape = S;
  using output_shape = typename layer_type<num_layers - 1>::output_shape;

  /// Buffers for one training run: the input and output of every layer of the latest
  /// `forward` (activations[0] = input), per-layer caches of layers with a training mode
  /// (dropout masks, batch statistics), the gradient with respect to every layer's input
  /// and the network output (gradients[i] is dLoss/d activations[i]; gradients[0] is not
  /// computed), and the random stream of dropout. One gradient buffer per layer, not two
  /// shared in turn, for the reason given at `InferenceBuffers`: buffers keep their size
  /// from batch to batch, so a training step allocates nothing once the first batch of its
  /// size has run. Costs about as many floats as `activations`.
  struct Workspace {
    std::array<Matrix, num_layers + 1> activations;
    std::array<Matrix, num_layers> caches;
    std::array<Matrix, num_layers + 1> gradients;
    Rng rng{0};
  };

  /// A network with every parameter drawn from seed 0 (PyTorch's default
  /// initializations, as `nn.Linear` does at construction); `init(seed)` redraws.
  Sequential() { init(0); }

  /// The I-th layer (0-based, in declaration order; `Input` does not count).
  template <std::size_t I>
  [[nodiscard]] layer_type<I>& get() noexcept {
    return std::get<I>(layers_);
  }
  template <std::size_t I>
  [[nodiscard]] const layer_type<I>& get() const noexcept {
    return std::get<I>(layers_);
  }

  /// Draws all parameters from `seed` (PyTorch's default initializations).
  void init(std::uint64_t seed) {
    Rng rng(seed);
    std::apply([&](auto&... layer) { (layer.init(rng), ...); }, layers_);
  }

  /// Views of all parameters, named like PyTorch's state_dict ("0.weight", "0.bias", ...).
  [[nodiscard]] ParameterList parameters() {
    ParameterList list;
    detail::for_each_index<num_layers>([&](auto i) { get<i>().append_parameters(list, std::to_string(i.value) + "."); });
    return list;
  }

  /// Views of the non-trainable state tensors (BatchNorm's running statistics), named
  /// like PyTorch's state_dict buffers ("1.running_mean", ...). `parameters()` plus
  /// `buffers()` is the whole state to save or load.
  [[nodiscard]] ParameterList buffers() {
    ParameterList list;
    detail::for_each_index<num_layers>([&](auto i) {
      if constexpr (requires { get<i>().append_buffers(list, std::string{}); })
        get<i>().append_buffers(list, std::to_string(i.value) + ".");
    });
    return list;
  }

  /// \throws ConfigError naming the first NaN/inf parameter or invalid threshold;
  /// ShapeError for a parameter tensor of the wrong shape.
  void validate() const {
    detail::for_each_index<num_layers>([&](auto i) { get<i>().validate(std::to_string(i.value) + "."); });
  }

  /// Forward pass for training (dropout active): `x` is `input_shape::size x batch`;
  /// stores every layer's output in `ws` and returns the network output
  /// (`output_shape::size x batch`).
  /// \throws ShapeError if `x` has the wrong number of rows.
  const Matrix& forward(const Matrix& x, Workspace& ws) const {
    check_rows(x);
    ws.activations[0] = x;
    detail::for_each_index<num_layers>([&](auto i) {
      const auto& layer = get<i>();
      if constexpr (TrainingModeLayer<layer_type<i>>)
        layer.forward_train(ws.activations[i], ws.activations[i + 1], ws.caches[i], ws.rng);
      else
        layer.forward(ws.activations[i], ws.activations[i + 1]);
    });
    return ws.activations[num_layers];
  }

  /// Backward pass after `forward(x, ws)`: `grad_output` = dLoss/d(output). Assigns every
  /// parameter gradient into `grads` (a network of the same type used as storage).
  void backward(Workspace& ws, const Matrix& grad_output, Sequential& grads) const {
    ws.gradients[num_layers] = grad_output;
    detail::for_each_index_reversed<num_layers>([&](auto i) {
      Matrix* dx = i.value > 0 ? &ws.gradients[i] : nullptr;
      const Matrix& dy = ws.gradients[i + 1];
      const auto& layer = get<i>();
      auto& g = grads.template get<i>();
      if constexpr (TrainingModeLayer<layer_type<i>>)
        layer.backward(ws.activations[i], ws.activations[i + 1], dy, dx, g, ws.caches[i]);
      else
        layer.backward(ws.activations[i], ws.activations[i + 1], dy, dx, g);
    });
  }

  /// Buffers of `predict(x, buffers)`: every layer's output, kept from call to call. One
  /// per layer, not two shared in turn: a buffer that changed size at every layer would be
  /// reallocated at every layer of every call (above glibc's 32 MiB mmap threshold, fresh
  /// pages each time). Costs `output_floats_per_sample() x batch` floats.
  struct InferenceBuffers {
    std::array<Matrix, num_layers> outputs;
  };
  /// Floats of all layer outputs of one sample (the size of `InferenceBuffers` per sample).
  [[nodiscard]] static constexpr std::size_t output_floats_per_sample() noexcept {
    return []<std::size_t... I>(std::index_sequence<I...>) { return (layer_type<I>::output_shape::size + ... + 0); }
    (std::make_index_sequence<num_layers>{});
  }

  /// Inference into reused buffers: returns the network output for `x`
  /// (`input_shape::size x batch`), a reference into `buffers` valid until their next use.
  /// The same values as `predict(x)`; allocation-free once `buffers` held a batch of this size.
  /// \throws ShapeError if `x` has the wrong number of rows.
  const Matrix& predict(const Matrix& x, InferenceBuffers& buffers) const {
    check_rows(x);
    const Matrix* in = &x;
    detail::for_each_index<num_layers>([&](auto i) {
      get<i>().forward(*in, buffers.outputs[i]);
      in = &buffers.outputs[i];
    });
    return *in;
  }

  /// Inference: returns the network output for `x` (`input_shape::size x batch`).
  [[nodiscard]] Matrix predict(const Matrix& x) const {
    check_rows(x);
    Matrix a = x, b;
    detail::for_each_index<num_layers>([&](auto i) {
      get<i>().forward(a, b);
      a.swap(b);
    });
    return a;
  }

  /// Multiply-accumulates per sample (the ANN's operation count, paper Table 5).
  [[nodiscard]] static constexpr std::size_t macs() noexcept {
    return []<std::size_t... I>(std::index_sequence<I...>) { return (layer_type<I>::macs() + ... + 0); }
    (std::make_index_sequence<num_layers>{});
  }

  /// All layers (for conversion and serialization).
  [[nodiscard]] const layers_type& layers() const noexcept { return layers_; }

 private:
  static void check_rows(const Matrix& x) {
    if (static_cast<std::size_t>(x.rows()) != S::size)
      throw ShapeError("Sequential: input has " + std::to_string(x.rows()) + " rows (features), expected " +
                       std::to_string(S::size));
  }

  layers_type layers_;
};

}  // namespace dualspike
