// IF neuron dynamics: cases IF-01, IF-02, IF-03, IF-05 from shared/cases/cases.json, for
// the scalar reference, the xsimd kernel (every length 1..64, misaligned starts) and the
// DualThresholdIF layer.
#include <cmath>
#include <cstddef>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/neurons/if_neuron.hpp>

namespace ds = dualspike;

namespace {
struct Train {
  std::vector<float> spikes, v_after;
  int n = 0;
};

// Drives one dual-threshold neuron (Vth, V0 = 0) with `input` through the scalar reference.
Train run_scalar(const std::vector<float>& input, float vth) {
  Train r;
  float v = 0.0f;
  for (float i : input) {
    const float s = ds::if_step_scalar(v, i, vth, vth);
    r.spikes.push_back(s);
    r.v_after.push_back(v);
    r.n += static_cast<int>(s);
  }
  return r;
}

// Same through the xsimd kernel: `lanes` identical neurons starting at an offset of
// `offset` floats into the buffers (misaligned), so both the vector body and the scalar
// tail are exercised. Checks every lane gives the same train and returns lane 0's.
Train run_kernel(const std::vector<float>& input, float vth, std::size_t lanes, std::size_t offset) {
  std::vector<float> v(lanes + offset, 0.0f), cur(lanes + offset), out(lanes + offset);
  Train r;
  for (float i : input) {
    std::fill(cur.begin(), cur.end(), i);
    ds::if_step(v.data() + offset, cur.data() + offset, out.data() + offset, lanes, vth, vth);
    for (std::size_t k = 1; k < lanes; ++k) {
      REQUIRE(out[offset + k] == out[offset]);
      REQUIRE(v[offset + k] == v[offset]);
    }
    const float s = out[offset] / vth;
    r.spikes.push_back(s);
    r.v_after.push_back(v[offset]);
    r.n += static_cast<int>(s);
  }
  return r;
}

void check_train(const Train& got, const std::vector<float>& spikes, const std::vector<float>& v_after) {
  CHECK(got.spikes == spikes);
  CHECK(got.v_after == v_after);  // dyadic values: float32 must match exactly
}

void check_everywhere(const std::vector<float>& input, float vth, const std::vector<float>& spikes,
                      const std::vector<float>& v_after) {
  check_train(run_scalar(input, vth), spikes, v_after);
  for (std::size_t lanes = 1; lanes <= 64; ++lanes)
    for (std::size_t offset : {0u, 1u, 3u}) {
      CAPTURE(lanes);
      CAPTURE(offset);
      check_train(run_kernel(input, vth, lanes, offset), spikes, v_after);
    }
}
}  // namespace

TEST_CASE("IF-01: constant input 0.375 and its mirror, Vth = 1") {
  const std::vector<float> in(8, 0.375f), mirror(8, -0.375f);
  check_everywhere(in, 1.0f, {0, 0, 1, 0, 0, 1, 0, 1}, {0.375f, 0.75f, 0.125f, 0.5f, 0.875f, 0.25f, 0.625f, 0.0f});
  check_everywhere(mirror, 1.0f, {0, 0, -1, 0, 0, -1, 0, -1},
                   {-0.375f, -0.75f, -0.125f, -0.5f, -0.875f, -0.25f, -0.625f, 0.0f});
  const Train t = run_scalar(in, 1.0f);
  CHECK(t.n == 3);
  CHECK(static_cast<double>(t.n) / 8.0 == 0.375);  // rate N/T (eq. 15)
  CHECK(run_scalar(mirror, 1.0f).n == -3);
}

TEST_CASE("IF-02: V == Vth fires (>=, not >), both signs") {
  check_everywhere(std::vector<float>(5, 1.0f), 1.0f, {1, 1, 1, 1, 1}, {0, 0, 0, 0, 0});
  check_everywhere(std::vector<float>(5, -1.0f), 1.0f, {-1, -1, -1, -1, -1}, {0, 0, 0, 0, 0});
  check_everywhere({0.5f, 0.5f}, 1.0f, {0, 1}, {0.5f, 0.0f});
  // A strict '>' would give N = 4 and V(T) = 1 for case a; ours gives 5 and 0.
  CHECK(run_scalar(std::vector<float>(5, 1.0f), 1.0f).n == 5);
}

TEST_CASE("IF-03: reset by subtraction, not to zero") {
  const std::vector<float> in(8, 0.75f);
  check_everywhere(in, 1.0f, {0, 1, 1, 1, 0, 1, 1, 1}, {0.75f, 0.5f, 0.25f, 0.0f, 0.75f, 0.5f, 0.25f, 0.0f});
  const Train t = run_scalar(in, 1.0f);
  CHECK(t.n == 6);
  CHECK(t.spikes != std::vector<float>{0, 1, 0, 1, 0, 1, 0, 1});  // the reset-to-zero train
}

TEST_CASE("IF-05: sign changes and the charge invariant Vth*N + V(T) == V(0) + sum(inputs)") {
  check_everywhere({0.875f, 0.25f, -0.625f, -0.625f}, 1.0f, {0, 1, 0, -1}, {0.875f, 0.125f, -0.5f, -0.125f});
  check_everywhere({1.5f, -0.5f, -0.5f, -0.5f}, 1.0f, {1, 0, 0, -1}, {0.5f, 0.0f, -0.5f, 0.0f});
  check_everywhere({0.75f, -0.75f, 0.75f, -0.75f}, 1.0f, {0, 0, 0, 0}, {0.75f, 0.0f, 0.75f, 0.0f});
  CHECK(run_scalar({1.5f, -0.5f, -0.5f, -0.5f}, 1.0f).n == 0);  // a single-threshold IF would give N = 1

  // The invariant on pseudo-random dyadic sequences (multiples of 1/64 in [-2, 2]).
  for (unsigned seed = 1; seed <= 50; ++seed) {
    std::vector<float> in;
    unsigned x = seed;
    float sum = 0.0f;
    for (int t = 0; t < 40; ++t) {
      x = x * 1103515245u + 12345u;
      const float v = static_cast<float>(static_cast<int>((x >> 16) % 257u) - 128) / 64.0f;
      in.push_back(v);
      sum += v;
    }
    for (float vth : {1.0f, 0.5f, 2.0f}) {
      const Train t = run_scalar(in, vth);
      CHECK(vth * static_cast<float>(t.n) + t.v_after.back() == sum);
      // With |input| <= Vth every step, the residual stays inside (-Vth, Vth).
      if (vth == 2.0f)
        for (float v : t.v_after) CHECK(std::abs(v) < vth);
    }
  }
}

TEST_CASE("single-threshold kernel: v_neg = +inf never fires negative spikes") {
  float v = 0.0f;
  const float inf = std::numeric_limits<float>::infinity();
  CHECK(ds::if_step_scalar(v, -5.0f, 1.0f, inf) == 0.0f);
  CHECK(v == -5.0f);
  std::vector<float> vv(19, 0.0f), cur(19, -3.0f), out(19, 7.0f);
  ds::if_step(vv.data(), cur.data(), out.data(), vv.size(), 1.0f, inf);
  for (float o : out) CHECK(o == 0.0f);
}

TEST_CASE("DualThresholdIF layer: state reset, spike value Vth, threshold validation") {
  using IF = ds::DualThresholdIF<ds::Shape<3>>;
  const IF layer(0.5f);
  CHECK(layer.v_threshold() == 0.5f);
  IF::state_type v;
  layer.begin(v, 2);
  CHECK(v.rows() == 3);
  CHECK(v.cols() == 2);
  CHECK(v.isZero());
  ds::Matrix current(3, 2), out;
  current << 0.5f, -0.25f, -0.5f, 0.25f, 0.125f, 1.0f;
  layer.step(current, v, out);
  ds::Matrix expected_out(3, 2), expected_v(3, 2);
  expected_out << 0.5f, 0.0f, -0.5f, 0.0f, 0.0f, 0.5f;  // a spike carries +-Vth
  expected_v << 0.0f, -0.25f, 0.0f, 0.25f, 0.125f, 0.5f;
  CHECK(out == expected_out);
  CHECK(v == expected_v);

  CHECK_THROWS_AS(IF(0.0f), ds::ConfigError);
  CHECK_THROWS_AS(IF(-1.0f), ds::ConfigError);
  CHECK_THROWS_AS(IF(std::nanf("")), ds::ConfigError);
  CHECK_THROWS_WITH_AS(IF(std::numeric_limits<float>::infinity()), doctest::Contains("v_threshold = inf"),
                       ds::ConfigError);
}
