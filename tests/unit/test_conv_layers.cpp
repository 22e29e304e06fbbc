// Convolutional layers: Conv2d against a direct reference, AvgPool2d (case POOL-01),
// Flatten order, BatchNorm (training statistics, running statistics), and the
// finite-difference gradient check of each.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

#include "gradient_check.hpp"

namespace ds = dualspike;

namespace {
// Direct 6-deep-loop convolution of one sample (the reference, never used in the library).
template <class Layer>
std::vector<float> direct_conv(const Layer& conv, const float* in) {
  using S = typename Layer::input_shape;
  constexpr std::size_t K = Layer::kernel_size, St = Layer::stride, P = Layer::padding;
  std::vector<float> out(Layer::output_shape::size);
  for (std::size_t o = 0; o < Layer::out_channels; ++o)
    for (std::size_t oy = 0; oy < Layer::out_height; ++oy)
      for (std::size_t ox = 0; ox < Layer::out_width; ++ox) {
        double acc = conv.bias[static_cast<Eigen::Index>(o)];
        for (std::size_t c = 0; c < S::channels; ++c)
          for (std::size_t ky = 0; ky < K; ++ky)
            for (std::size_t kx = 0; kx < K; ++kx) {
              const long y = static_cast<long>(oy * St + ky) - static_cast<long>(P);
              const long x = static_cast<long>(ox * St + kx) - static_cast<long>(P);
              if (y < 0 || x < 0 || y >= static_cast<long>(S::height) || x >= static_cast<long>(S::width)) continue;
              // PyTorch weight[o][c][ky][kx]
              acc += static_cast<double>(conv.weight((c * K + ky) * K + kx, o)) *
                     in[(c * S::height + static_cast<std::size_t>(y)) * S::width + static_cast<std::size_t>(x)];
            }
        out[(o * Layer::out_height + oy) * Layer::out_width + ox] = static_cast<float>(acc);
      }
  return out;
}

template <class Layer>
void check_against_direct(std::uint64_t seed) {
  ds::Rng rng(seed);
  Layer conv;
  conv.init(rng);
  const ds::Matrix x = gradcheck::random_matrix(Layer::input_shape::size, 3, rng);
  ds::Matrix y;
  conv.forward(x, y);
  REQUIRE(y.rows() == static_cast<Eigen::Index>(Layer::output_shape::size));
  REQUIRE(y.cols() == 3);
  for (Eigen::Index j = 0; j < 3; ++j) {
    const auto ref = direct_conv(conv, x.col(j).data());
    for (std::size_t i = 0; i < ref.size(); ++i) {
      INFO("sample " << j << " output " << i);
      CHECK(y(static_cast<Eigen::Index>(i), j) == doctest::Approx(ref[i]).epsilon(1e-5));
    }
  }
}

// im2col and col2im_add of one shape against their definition, exactly (integer values):
// patch (oy*OW + ox, (c*K + ky)*K + kx) = image[c, oy*St + ky - P, ox*St + kx - P] or 0 in
// the padding; col2im_add adds every patch entry back onto that pixel.
template <std::size_t C, std::size_t H, std::size_t W, std::size_t K, std::size_t St, std::size_t P>
void check_patches() {
  using L = ds::Conv2dLayer<ds::Shape<C, H, W>, 1, K, St, P>;
  constexpr long OH = L::out_height, OW = L::out_width;
  std::vector<float> image(C * H * W);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>(i + 1);
  ds::Matrix patches;
  L::im2col(image.data(), patches);
  ds::Matrix d(OH * OW, static_cast<Eigen::Index>(L::fan_in));
  for (Eigen::Index i = 0; i < d.size(); ++i) d.data()[i] = static_cast<float>(i % 97 + 1);
  std::vector<float> grad(image.size(), 0.5f), want_grad(image.size(), 0.5f);
  L::col2im_add(d, grad.data());
  std::size_t wrong_patches = 0;
  for (std::size_t c = 0; c < C; ++c)
    for (std::size_t ky = 0; ky < K; ++ky)
      for (std::size_t kx = 0; kx < K; ++kx)
        for (long oy = 0; oy < OH; ++oy)
          for (long ox = 0; ox < OW; ++ox) {
            const long y = oy * static_cast<long>(St) + static_cast<long>(ky) - static_cast<long>(P);
            const long x = ox * static_cast<long>(St) + static_cast<long>(kx) - static_cast<long>(P);
            const bool inside = y >= 0 && x >= 0 && y < static_cast<long>(H) && x < static_cast<long>(W);
            const std::size_t pixel = inside ? (c * H + static_cast<std::size_t>(y)) * W + static_cast<std::size_t>(x) : 0;
            const auto col = static_cast<Eigen::Index>((c * K + ky) * K + kx);
            if (patches(oy * OW + ox, col) != (inside ? image[pixel] : 0.0f)) ++wrong_patches;
            if (inside) want_grad[pixel] += d(oy * OW + ox, col);
          }
  INFO("C x H x W = " << C << "x" << H << "x" << W << ", K " << K << ", stride " << St << ", padding " << P);
  CHECK(wrong_patches == 0);
  CHECK(grad == want_grad);
}

template <std::size_t K, std::size_t St, std::size_t P, std::size_t... Widths>
void check_patch_widths() {
  (check_patches<2, Widths + 1, Widths, K, St, P>(), ...);
}
}  // namespace

TEST_CASE("Conv2d output shapes follow PyTorch's formula") {
  using A = ds::Conv2dLayer<ds::Shape<1, 28, 28>, 12, 5>;
  static_assert(std::is_same_v<A::output_shape, ds::Shape<12, 24, 24>>);
  using B = ds::Conv2dLayer<ds::Shape<3, 7, 9>, 4, 3, 2, 1>;  // (7+2-3)/2+1 = 4, (9+2-3)/2+1 = 5
  static_assert(std::is_same_v<B::output_shape, ds::Shape<4, 4, 5>>);
  static_assert(A::macs() == 24 * 24 * 25 * 12);
  CHECK(A::fan_out() == doctest::Approx(24.0 * 24 * 25 * 12 / 784));
}

TEST_CASE("Conv2d forward equals a direct convolution (stride 1/2, padding 0/1/2, several channels)") {
  check_against_direct<ds::Conv2dLayer<ds::Shape<1, 6, 6>, 2, 3>>(1);
  check_against_direct<ds::Conv2dLayer<ds::Shape<3, 7, 9>, 4, 3, 2, 1>>(2);
  check_against_direct<ds::Conv2dLayer<ds::Shape<2, 5, 5>, 3, 5, 1, 2>>(3);
  check_against_direct<ds::Conv2dLayer<ds::Shape<2, 8, 8>, 5, 2, 2, 0>>(4);
}

// GCC 12.2 at -O3 (already with -march=x86-64-v3) once vectorized an im2col written with a
// test per element wrongly for inputs 5 to 7 wide with padding 1 (docs/results.md, "Known
// compiler fault"): every width from 1 to 9 is checked with the build's own flags.
TEST_CASE("Conv2d im2col and col2im equal their definition for inputs 1-9 wide (kernel 1/2/3/5, stride 1/2, padding 0-2)") {
  check_patch_widths<3, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9>();
  check_patch_widths<3, 1, 0, 3, 4, 5, 6, 7, 8, 9>();
  check_patch_widths<3, 1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9>();
  check_patch_widths<3, 2, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9>();
  check_patch_widths<5, 1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9>();
  check_patch_widths<5, 2, 0, 5, 6, 7, 8, 9>();
  check_patch_widths<2, 2, 0, 2, 3, 4, 5, 6, 7, 8, 9>();
  check_patch_widths<1, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9>();
}

TEST_CASE("Conv2d hand-computed: 1 channel, 2x2 kernel on 3x3") {
  ds::Conv2dLayer<ds::Shape<1, 3, 3>, 1, 2> conv;
  conv.weight << 1.0f, 0.0f, 0.0f, -1.0f;  // torch [[1, 0], [0, -1]]
  conv.bias << 0.5f;
  ds::Matrix x(9, 1), y;
  x << 1, 2, 3, 4, 5, 6, 7, 8, 9;
  conv.forward(x, y);
  ds::Matrix expected(4, 1);
  expected << 1 - 5 + 0.5f, 2 - 6 + 0.5f, 4 - 8 + 0.5f, 5 - 9 + 0.5f;
  CHECK(y == expected);
}

TEST_CASE("gradient check: Conv2d") {
  ds::Rng rng(11);
  ds::Conv2dLayer<ds::Shape<2, 5, 5>, 3, 3, 1, 0> a;
  a.init(rng);
  gradcheck::check_layer(a, gradcheck::random_matrix(50, 2, rng));
  ds::Conv2dLayer<ds::Shape<2, 5, 6>, 2, 3, 2, 1> b;
  b.init(rng);
  gradcheck::check_layer(b, gradcheck::random_matrix(60, 3, rng));
}

TEST_CASE("POOL-01 a, b: 2x2 average pooling, stride 2, floor mode") {
  ds::AvgPool2dLayer<ds::Shape<1, 4, 4>, 2> a;
  ds::Matrix x(16, 1), y;
  for (int i = 0; i < 16; ++i) x(i, 0) = static_cast<float>(i);
  a.forward(x, y);
  ds::Matrix expected(4, 1);
  expected << 2.5f, 4.5f, 10.5f, 12.5f;
  CHECK(y == expected);

  ds::AvgPool2dLayer<ds::Shape<1, 5, 5>, 2> b;  // the last row and column are dropped
  static_assert(std::is_same_v<decltype(b)::output_shape, ds::Shape<1, 2, 2>>);
  ds::Matrix x5(25, 1);
  for (int i = 0; i < 25; ++i) x5(i, 0) = static_cast<float>(i);
  b.forward(x5, y);
  expected << 3.0f, 5.0f, 13.0f, 15.0f;
  CHECK(y == expected);
}

TEST_CASE("POOL-01 c: pooling spikes, then an IF neuron with w = 1, Vth = 1") {
  ds::AvgPool2dLayer<ds::Shape<1, 2, 2>, 2> pool;
  ds::DualThresholdIF<ds::Shape<1>> neuron(1.0f);
  ds::Matrix v, out, pooled;
  neuron.begin(v, 1);
  const float window[2][4] = {{1, -1, 0, 1}, {1, 1, 1, 0}};
  const float expected_pooled[2] = {0.25f, 0.75f}, expected_v[2] = {0.25f, 0.0f}, expected_spike[2] = {0, 1};
  float sum_pooled = 0.0f;
  for (int t = 0; t < 2; ++t) {
    ds::Matrix spikes(4, 1);
    for (int i = 0; i < 4; ++i) spikes(i, 0) = window[t][i];
    pool.forward(spikes, pooled);
    CHECK(pooled(0, 0) == expected_pooled[t]);
    sum_pooled += pooled(0, 0);
    neuron.step(pooled, v, out);  // w = 1: the current is the pooled value
    CHECK(v(0, 0) == expected_v[t]);
    CHECK(out(0, 0) == expected_spike[t]);
  }
  CHECK(sum_pooled == 1.0f);  // = the average of the per-position spike counts (2+0+1+1)/4
  ds::Matrix ternary(4, 1);
  ternary << 1, -1, -1, 0;
  pool.forward(ternary, pooled);
  CHECK(pooled(0, 0) == -0.25f);
}

TEST_CASE("gradient check: AvgPool2d (tiling and overlapping windows)") {
  ds::Rng rng(12);
  ds::AvgPool2dLayer<ds::Shape<2, 4, 6>, 2> tiling;
  gradcheck::check_layer(tiling, gradcheck::random_matrix(48, 2, rng));
  ds::AvgPool2dLayer<ds::Shape<1, 5, 5>, 3, 1> overlapping;
  gradcheck::check_layer(overlapping, gradcheck::random_matrix(25, 2, rng));
}

TEST_CASE("Flatten keeps PyTorch's channel-major CHW order") {
  // Dense after Flatten: weight one-hot at feature (c*H + y)*W + x = (1*2 + 1)*3 + 2 = 11.
  using Net = ds::Sequential<ds::Input<ds::Shape<2, 2, 3>>, ds::Flatten, ds::Dense<1>>;
  static_assert(std::is_same_v<Net::layer_type<0>::output_shape, ds::Shape<12>>);
  Net net;
  net.get<1>().weight.setZero();
  net.get<1>().weight(0, 11) = 1.0f;
  net.get<1>().bias.setZero();
  ds::Matrix x(12, 1);
  for (int i = 0; i < 12; ++i) x(i, 0) = 100.0f + static_cast<float>(i);
  CHECK(net.predict(x)(0, 0) == 111.0f);  // x[c=1, y=1, x=2]
  ds::FlattenLayer<ds::Shape<2, 2, 3>> flatten;
  ds::Rng rng(13);
  gradcheck::check_layer(flatten, gradcheck::random_matrix(12, 2, rng));
}

TEST_CASE("BatchNorm training pass: batch statistics, PyTorch's running-statistics update") {
  ds::BatchNormLayer<ds::Shape<2, 1, 2>> bn;  // 2 channels x 2 positions
  bn.weight << 2.0f, 1.0f;
  bn.bias << 0.5f, 0.0f;
  bn.set_eps(0.0f);
  // Batch of 2: channel 0 values {1, 3, 5, 7} (mean 4, biased var 5), channel 1 {0, 0, 2, 2}.
  ds::Matrix x(4, 2), y, cache;
  x << 1, 5, 3, 7, 0, 2, 0, 2;
  ds::Rng rng(0);
  bn.forward_train(x, y, cache, rng);
  const float s0 = 2.0f / std::sqrt(5.0f);
  CHECK(y(0, 0) == doctest::Approx(s0 * (1 - 4) + 0.5f));
  CHECK(y(1, 1) == doctest::Approx(s0 * (7 - 4) + 0.5f));
  CHECK(y(2, 0) == doctest::Approx(-1.0f));  // channel 1: mean 1, var 1
  CHECK(bn.running_mean[0] == doctest::Approx(0.4f));               // 0.9 * 0 + 0.1 * 4
  CHECK(bn.running_var[0] == doctest::Approx(0.9f + 0.1f * 20.0f / 3.0f));  // unbiased 20/3
  CHECK(bn.running_var[1] == doctest::Approx(0.9f + 0.1f * 4.0f / 3.0f));
  // Inference uses the running statistics.
  bn.forward(x, y);
  CHECK(y(0, 0) == doctest::Approx(2.0f * (1.0f - 0.4f) / std::sqrt(0.9f + 2.0f / 3.0f) + 0.5f));
}

TEST_CASE("gradient check: BatchNorm, inference and training passes") {
  ds::Rng rng(14);
  ds::BatchNormLayer<ds::Shape<3, 2, 2>> bn;
  for (int c = 0; c < 3; ++c) {
    bn.weight[c] = rng.uniform(0.5f, 2.0f);
    bn.bias[c] = rng.uniform(-1.0f, 1.0f);
    bn.running_mean[c] = rng.uniform(-0.5f, 0.5f);
    bn.running_var[c] = rng.uniform(0.5f, 2.0f);
  }
  gradcheck::check_layer(bn, gradcheck::random_matrix(12, 3, rng));

  // Training mode: the batch statistics depend on x, so dx has three terms.
  ds::Matrix x = gradcheck::random_matrix(12, 3, rng), y, cache;
  const ds::Matrix R = gradcheck::random_matrix(12, 3, rng);
  ds::Rng unused(0);
  auto objective = [&] {
    ds::Matrix out, c;
    bn.forward_train(x, out, c, unused);
    return static_cast<double>((out.array() * R.array()).cast<double>().sum());
  };
  bn.forward_train(x, y, cache, unused);
  ds::BatchNormLayer<ds::Shape<3, 2, 2>> grad;
  ds::Matrix dx;
  bn.backward(x, y, R, &dx, grad, cache);
  gradcheck::compare({x.data(), 36}, {dx.data(), 36}, objective, "dx (training)", 1e-2f, 5e-3);
  gradcheck::compare({bn.weight.data(), 3}, {grad.weight.data(), 3}, objective, "dgamma (training)");
  gradcheck::compare({bn.bias.data(), 3}, {grad.bias.data(), 3}, objective, "dbeta (training)");
}

TEST_CASE("BatchNorm rejects bad settings with the field and value") {
  ds::BatchNormLayer<ds::Shape<2>> bn;
  CHECK_THROWS_AS(bn.set_eps(-1.0f), ds::ConfigError);
  CHECK_THROWS_AS(bn.set_momentum(1.5f), ds::ConfigError);
  bn.running_var[1] = -1.0f;
  CHECK_THROWS_WITH_AS(bn.validate("3."), doctest::Contains("3.running_var[1] = -1"), ds::ConfigError);
  bn.running_var[1] = 1.0f;
  bn.weight[0] = NAN;
  CHECK_THROWS_WITH_AS(bn.validate("3."), doctest::Contains("3.weight"), ds::ConfigError);
  ds::Matrix x(2, 1), y, cache;
  ds::Rng rng(0);
  CHECK_THROWS_AS(bn.forward_train(x, y, cache, rng), ds::ShapeError);  // one value per channel
}
