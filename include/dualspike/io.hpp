#pragma once
/// \file io.hpp
/// Umbrella header of the file formats: MNIST / Fashion-MNIST IDX files (.gz read with
/// zlib), CIFAR-10 binary batches, safetensors weights (nlohmann-json) and training
/// checkpoints. CMake target `dualspike::io` (the core plus zlib and nlohmann-json).
#include "core.hpp"

#include "data/cifar10.hpp"
#include "data/idx.hpp"
#include "io/safetensors.hpp"
#include "train/checkpoint.hpp"
