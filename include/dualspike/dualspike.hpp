#pragma once
/// \file dualspike.hpp
/// Umbrella header: everything public, the core (core.hpp: Eigen, xsimd) and the file
/// formats (io.hpp: zlib, nlohmann-json); target `dualspike::dualspike`. A translation
/// unit that reads no files can include core.hpp alone. Namespace `dualspike`.
#include "core.hpp"
#include "io.hpp"
