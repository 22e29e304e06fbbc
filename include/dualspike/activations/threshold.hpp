#pragma once
/// \file threshold.hpp
/// Every activation of the paper's family (Section 3.3): stReLU (eq. 7), tReLU (eq. 22),
/// atLeakyReLU (eq. 21), and the unbounded ReLU and LeakyReLU that convert through
/// data-based normalization. Their spiking counterparts are chosen in convert/.
#include "at_leaky_relu.hpp"
#include "leaky_clip.hpp"
#include "relu.hpp"
#include "strelu.hpp"
#include "trelu.hpp"
