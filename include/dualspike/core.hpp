#pragma once
/// \file core.hpp
/// Umbrella header of the core: layers, activations, neurons, networks, training,
/// conversion, the SNN engine and the analyses. Needs only Eigen and xsimd (CMake target
/// `dualspike::core`); the file formats (IDX, CIFAR-10, safetensors, checkpoints) are in
/// io.hpp. Namespace `dualspike`.
#include "version.hpp"

#include "core/argmax.hpp"
#include "core/checks.hpp"
#include "core/errors.hpp"
#include "core/parameter.hpp"
#include "core/random.hpp"
#include "core/shape.hpp"

#include "activations/threshold.hpp"
#include "layers/avg_pool2d.hpp"
#include "layers/batch_norm.hpp"
#include "layers/conv2d.hpp"
#include "layers/dense.hpp"
#include "layers/dropout.hpp"
#include "layers/flatten.hpp"
#include "neurons/if_kernel.hpp"
#include "neurons/if_neuron.hpp"
#include "neurons/threshold_scheme.hpp"

#include "network/evaluate.hpp"
#include "network/layer.hpp"
#include "network/spiking_layer.hpp"
#include "network/sequential.hpp"

#include "train/loss.hpp"
#include "train/optimizer.hpp"
#include "train/schedule.hpp"
#include "train/trainer.hpp"

#include "convert/data_norm.hpp"
#include "convert/snn_counterpart.hpp"
#include "convert/to_snn.hpp"
#include "snn/fan_out_map.hpp"
#include "snn/propagation.hpp"
#include "snn/run_state.hpp"
#include "snn/runner.hpp"
#include "snn/simulate.hpp"
#include "snn/spiking_sequential.hpp"

#include "analysis/conversion_error.hpp"
#include "analysis/energy.hpp"
#include "analysis/spike_recorder.hpp"
#include "data/augment.hpp"
#include "data/dataset.hpp"

#include "networks.hpp"
