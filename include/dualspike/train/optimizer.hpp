#pragma once
/// \file optimizer.hpp
/// First-order optimizers over a network's `ParameterList` (PyTorch semantics).
/// `step(params, grads, lr)` updates `params` in place; `grads` is the list of the same
/// tensors in the gradient network (same order and sizes). Optimizer state is allocated
/// on the first step.
#include <cmath>
#include <cstddef>
#include <vector>

#include "../core/checks.hpp"
#include "../core/errors.hpp"
#include "../core/parameter.hpp"

namespace dualspike {

namespace detail {
inline void check_same_layout(const ParameterList& params, const ParameterList& grads) {
  if (params.size() != grads.size())
    throw ShapeError("optimizer: " + std::to_string(params.size()) + " parameter tensors but " +
                     std::to_string(grads.size()) + " gradient tensors");
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i].values.size() != grads[i].values.size())
      throw ShapeError("optimizer: parameter " + params[i].name + " has " + std::to_string(params[i].values.size()) +
                       " values, its gradient " + std::to_string(grads[i].values.size()));
}
/// True if `state` has one buffer per parameter tensor, each of the tensor's size.
inline bool same_layout(const std::vector<Eigen::ArrayXf>& state, const ParameterList& params) {
  if (state.size() != params.size()) return false;
  for (std::size_t i = 0; i < params.size(); ++i)
    if (static_cast<std::size_t>(state[i].size()) != params[i].values.size()) return false;
  return true;
}
inline Eigen::Map<Eigen::ArrayXf> as_array(const ParameterRef& p) {
  return {p.values.data(), static_cast<Eigen::Index>(p.values.size())};
}
}  // namespace detail

/// Adam (Kingma & Ba; `torch.optim.Adam`, with optional L2 `weight_decay` added to the
/// gradient as PyTorch does). `lr` is the base learning rate; a schedule scales it.
struct Adam {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;
  /// Optimizer state (first/second moments, step count); allocated on the first step.
  struct State {
    std::vector<Eigen::ArrayXf> m, v;
    long t = 0;
  } state{};

  /// One update with learning rate `lr_now`. \throws ShapeError on mismatched lists.
  void step(const ParameterList& params, const ParameterList& grads, float lr_now) {
    detail::check_same_layout(params, grads);
    auto& [m_, v_, t_] = state;
    if (!detail::same_layout(m_, params)) {  // first step, or used on another network: start afresh
      m_.assign(params.size(), {});
      v_.assign(params.size(), {});
      for (std::size_t i = 0; i < params.size(); ++i) {
        m_[i] = Eigen::ArrayXf::Zero(static_cast<Eigen::Index>(params[i].values.size()));
        v_[i] = m_[i];
      }
      t_ = 0;
    }
    ++t_;
    const float bc1 = 1.0f - std::pow(beta1, static_cast<float>(t_));
    const float bc2 = 1.0f - std::pow(beta2, static_cast<float>(t_));
    const float step_size = lr_now / bc1;
    const float inv_sqrt_bc2 = 1.0f / std::sqrt(bc2);
    for (std::size_t i = 0; i < params.size(); ++i) {
      auto p = detail::as_array(params[i]);
      auto g = detail::as_array(grads[i]);
      if (weight_decay != 0.0f) g += weight_decay * p;
      m_[i] = beta1 * m_[i] + (1.0f - beta1) * g;
      v_[i] = beta2 * v_[i] + (1.0f - beta2) * g.square();
      p -= step_size * m_[i] / (v_[i].sqrt() * inv_sqrt_bc2 + eps);
    }
  }

  /// \throws ConfigError for a non-positive or non-finite hyper-parameter.
  void validate() const {
    require_positive_finite(lr, "Adam.lr");
    require_positive_finite(eps, "Adam.eps");
    require_unit_interval(beta1, "Adam.beta1");
    require_unit_interval(beta2, "Adam.beta2");
    require_non_negative_finite(weight_decay, "Adam.weight_decay");
  }
};

/// Stochastic gradient descent with optional momentum (`torch.optim.SGD`).
struct SGD {
  float lr = 1e-2f;
  float momentum = 0.0f;
  float weight_decay = 0.0f;
  /// Momentum buffers; allocated on the first step.
  std::vector<Eigen::ArrayXf> momentum_buffer{};

  void step(const ParameterList& params, const ParameterList& grads, float lr_now) {
    detail::check_same_layout(params, grads);
    auto& buf_ = momentum_buffer;
    if (!detail::same_layout(buf_, params)) {
      buf_.assign(params.size(), {});
      for (std::size_t i = 0; i < params.size(); ++i)
        buf_[i] = Eigen::ArrayXf::Zero(static_cast<Eigen::Index>(params[i].values.size()));
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      auto p = detail::as_array(params[i]);
      auto g = detail::as_array(grads[i]);
      if (weight_decay != 0.0f) g += weight_decay * p;
      if (momentum != 0.0f) {
        buf_[i] = momentum * buf_[i] + g;
        p -= lr_now * buf_[i];
      } else {
        p -= lr_now * g;
      }
    }
  }

  void validate() const {
    require_positive_finite(lr, "SGD.lr");
    require_unit_interval(momentum, "SGD.momentum");
    require_non_negative_finite(weight_decay, "SGD.weight_decay");
  }
};

}  // namespace dualspike
