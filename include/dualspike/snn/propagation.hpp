#pragma once
/// \file propagation.hpp
/// How the executor computes a synapse's current each time step (the GEMM path or the
/// event path; snn/runner.hpp). Every choice gives the same results up to float rounding.

namespace dualspike {

/// How a synaptic layer of the SNN propagates its input each time step.
enum class Propagation {
  automatic,  ///< per layer and step: events when the fraction of changed inputs is below the threshold
  dense,      ///< always the GEMM `W x(t) + b`
  event,      ///< always the change lists (after the first step, which is dense)
};

}  // namespace dualspike
