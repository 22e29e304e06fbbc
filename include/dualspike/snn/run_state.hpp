#pragma once
/// \file run_state.hpp
/// `RunState<Snn>`: the state of one run of an SNN (one batch of inputs, one thread), made
/// by `Runner::begin` and advanced by `Runner::step` / `run`. Opaque: what it holds is the
/// executor's business; the accessors below are what a user reads. Sizes grow with the
/// batch (and the time block), never with T.
#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <vector>

#include "../core/errors.hpp"
#include "../core/shape.hpp"
#include "engine_slots.hpp"

namespace dualspike {

template <class Snn>
class Runner;

template <class Snn>
class RunState {
 public:
  static constexpr std::size_t num_layers = Snn::num_layers;

  /// The integrated readout U(t) = sum of the last layer's output over the steps so far,
  /// `output_shape::size x batch`; its argmax per column is the prediction at step t.
  [[nodiscard]] const Matrix& readout() const noexcept { return readout_; }
  /// Samples in the run (columns of the input given to `begin`).
  [[nodiscard]] Eigen::Index batch() const noexcept { return batch_; }
  /// Time steps taken since `begin` (0 right after it).
  [[nodiscard]] std::size_t time_step() const noexcept { return time_step_; }
  /// The current that the layers before the first neuron layer produce from the constant
  /// analog input (computed once by `begin`), `features x batch`.
  [[nodiscard]] const Matrix& input_current() const noexcept { return input_current_; }
  /// Whether `begin` has been called on this state.
  [[nodiscard]] bool begun() const noexcept { return begun_; }
  /// Non-zero spikes (+ and -) each layer emitted at the latest step, over the batch (0 for
  /// layers that are not neurons).
  [[nodiscard]] const std::array<std::size_t, num_layers>& spikes() const noexcept { return spikes_; }
  /// Synaptic operations the spikes of the latest step caused, per layer over the batch:
  /// each spike counted with its neuron's exact fan-out (snn/fan_out_map.hpp); 0 for layers
  /// that are not neurons.
  [[nodiscard]] const std::array<std::uint64_t, num_layers>& sops() const noexcept { return sops_; }
  /// The membrane potential of neuron layer `I` (`S::size x batch`, for inspection; within a
  /// time block of `Runner::run` it may already be that of a later step of the block).
  template <std::size_t I>
  [[nodiscard]] const auto& membrane() const noexcept
    requires SpikingNeuron<typename Snn::template layer_type<I>>
  {
    return std::get<I>(slots_);
  }
  /// What the run keeps for layer `I`: the layer's own `state_type`, or for an event-path
  /// synapse the engine's state (an implementation detail, for tests and benchmarks).
  template <std::size_t I>
  [[nodiscard]] const auto& layer_state() const noexcept {
    return std::get<I>(slots_);
  }

 private:
  friend class Runner<Snn>;
  template <class L>
  struct slots_of;
  template <class... L>
  struct slots_of<std::tuple<L...>> {
    using type = std::tuple<typename detail::run_slot<L>::type...>;
  };

  typename slots_of<typename Snn::layers_type>::type slots_;
  Matrix input_current_;  ///< the constant output of the layers before the first neuron layer
  Matrix readout_;
  /// The output of each layer at the latest step (those that return their own state's
  /// current leave theirs empty). One per layer, not two shared in turn: a buffer that
  /// changed size at every layer would be reallocated at every step, and above glibc's
  /// mmap threshold (32 MiB) each reallocation is fresh pages to fault in.
  std::array<Matrix, num_layers> buffers_;
  std::array<std::size_t, num_layers> spikes_{};
  std::array<std::uint64_t, num_layers> sops_{};
  Eigen::Index batch_ = 0;
  std::size_t time_step_ = 0;
  bool begun_ = false;
  /// Time blocks: every step's outputs of each neuron layer (one buffer per layer, as
  /// above), the last layer's outputs of the block (`block_output_`, pointing into a
  /// buffer or an event-path state) and the spike counts.
  std::array<Matrix, num_layers> block_buffers_;
  const Matrix* block_output_ = nullptr;
  struct StepCounts {
    std::array<std::size_t, num_layers> spikes{};
    std::array<std::uint64_t, num_layers> sops{};
  };
  std::vector<StepCounts> block_spikes_;
};

}  // namespace dualspike
