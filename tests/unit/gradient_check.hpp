// One numerical gradient checker, used for every differentiable layer, the loss and whole
// networks: central finite differences against the analytic backward pass.
#pragma once
#include <cmath>
#include <functional>
#include <string>

#include <doctest/doctest.h>
#include <dualspike/core/parameter.hpp>
#include <dualspike/core/random.hpp>
#include <dualspike/core/shape.hpp>

namespace gradcheck {
namespace ds = dualspike;

/// Checks analytic[i] against (f(v[i]+h) - f(v[i]-h)) / 2h for every entry of `values`.
/// `f` recomputes the scalar objective from the current values (float32 forward, so h is
/// large and the tolerance relative: |a - n| <= tol * max(1, |a|, |n|)).
inline void compare(std::span<float> values, std::span<const float> analytic, const std::function<double()>& f,
                    const std::string& what, float h = 1e-2f, double tol = 2e-3) {
  REQUIRE(values.size() == analytic.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const float saved = values[i];
    values[i] = saved + h;
    const double up = f();
    values[i] = saved - h;
    const double down = f();
    values[i] = saved;
    const double numeric = (up - down) / (2.0 * static_cast<double>(h));
    const double a = analytic[i];
    const double scale = std::max({1.0, std::abs(a), std::abs(numeric)});
    INFO(what << "[" << i << "]: analytic " << a << ", numeric " << numeric);
    CHECK(std::abs(a - numeric) <= tol * scale);
  }
}

/// Random matrix with entries in [-1, 1).
inline ds::Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, ds::Rng& rng) {
  ds::Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform(-1.0f, 1.0f);
  return m;
}

/// Gradient check of one ANN layer with the objective L = sum(R .* layer(x)), R random:
/// dL/dy = R is fed to backward; checks dL/dx and every parameter gradient.
template <class Layer>
void check_layer(Layer& layer, ds::Matrix x, std::uint64_t seed = 7) {
  ds::Rng rng(seed);
  ds::Matrix y;
  layer.forward(x, y);
  const ds::Matrix R = random_matrix(y.rows(), y.cols(), rng);
  auto objective = [&] {
    ds::Matrix out;
    layer.forward(x, out);
    return static_cast<double>((out.array() * R.array()).template cast<double>().sum());
  };
  Layer grad = layer;
  ds::Matrix dx;
  layer.backward(x, y, R, &dx, grad);
  REQUIRE(dx.rows() == x.rows());
  REQUIRE(dx.cols() == x.cols());
  compare({x.data(), static_cast<std::size_t>(x.size())}, {dx.data(), static_cast<std::size_t>(dx.size())}, objective,
          "dx");
  ds::ParameterList params, grads;
  layer.append_parameters(params, "");
  grad.append_parameters(grads, "");
  REQUIRE(params.size() == grads.size());
  for (std::size_t p = 0; p < params.size(); ++p)
    compare(params[p].values, grads[p].values, objective, "d" + params[p].name);
}

}  // namespace gradcheck
