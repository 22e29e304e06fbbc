// The IF neuron family (neurons/if_neuron.hpp, threshold_scheme.hpp): hand-computed spike
// trains for every threshold scheme and both firing rules (positive, negative, alternating,
// saturating inputs; all values dyadic, so float32 is exact), the rounding rule's counts
// and tie rule, the charge invariant of each scheme, and the vector kernel against the
// scalar reference.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

namespace ds = dualspike;

namespace {
/// Runs one neuron of `neuron` over `inputs` (one per step); returns the carried values and
/// fills the potential after each step.
template <class Neuron>
std::vector<float> run_one(const Neuron& neuron, const std::vector<float>& inputs, std::vector<float>* v_after = nullptr) {
  ds::Matrix v;
  neuron.begin(v, 1);
  std::vector<float> out;
  ds::Matrix current(1, 1), spike;
  for (float i : inputs) {
    current(0, 0) = i;
    neuron.step(current, v, spike);
    out.push_back(spike(0, 0));
    if (v_after) v_after->push_back(v(0, 0));
  }
  return out;
}

/// N(t) after every step: positive minus negative spikes.
std::vector<int> counts(const std::vector<float>& out) {
  std::vector<int> n;
  int c = 0;
  for (float s : out) {
    c += s > 0 ? 1 : (s < 0 ? -1 : 0);
    n.push_back(c);
  }
  return n;
}

/// round(x) with ties toward zero.
int round_half_toward_zero(double x) {
  const double r = std::round(x);
  return static_cast<int>(std::abs(x - std::trunc(x)) == 0.5 ? std::trunc(x) : r);
}

using Shape1 = ds::Shape<1>;
}  // namespace

TEST_CASE("rounding symmetric neuron: hand-computed train for a constant 0.375, and its mirror") {
  const ds::IFNeurons<Shape1, ds::Symmetric, ds::RoundingFiring> neuron(1.0f);
  std::vector<float> v;
  const auto out = run_one(neuron, std::vector<float>(8, 0.375f), &v);
  // V: 0.375; 0.75 > 0.5 fires -> -0.25; 0.125; 0.5 (a tie: does not fire); 0.875 fires -> -0.125;
  // 0.25; 0.625 fires -> -0.375; 0.
  CHECK(out == std::vector<float>{0, 1, 0, 0, 1, 0, 1, 0});
  CHECK(v == std::vector<float>{0.375f, -0.25f, 0.125f, 0.5f, -0.125f, 0.25f, -0.375f, 0.0f});
  CHECK(counts(out) == std::vector<int>{0, 1, 1, 1, 2, 2, 3, 3});  // round(t * 0.375), ties toward 0
  std::vector<float> mv;
  const auto mirror = run_one(neuron, std::vector<float>(8, -0.375f), &mv);
  CHECK(mirror == std::vector<float>{0, -1, 0, 0, -1, 0, -1, 0});
  CHECK(mv == std::vector<float>{-0.375f, 0.25f, -0.125f, -0.5f, 0.125f, -0.25f, 0.375f, 0.0f});
}

TEST_CASE("rounding vs paper firing: a constant z gives N = round(T z) (ties toward 0) vs trunc(T z)") {
  const ds::IFNeurons<Shape1, ds::Symmetric, ds::RoundingFiring> rounding(1.0f);
  const ds::IFNeurons<Shape1, ds::Symmetric, ds::PaperFiring> paper(1.0f);
  for (int k = -16; k <= 16; ++k) {
    const float z = static_cast<float>(k) / 16.0f;
    const auto nr = counts(run_one(rounding, std::vector<float>(48, z)));
    const auto np = counts(run_one(paper, std::vector<float>(48, z)));
    for (int t = 1; t <= 48; ++t) {
      INFO("z = " << z << ", t = " << t);
      CHECK(nr[static_cast<std::size_t>(t - 1)] == round_half_toward_zero(t * static_cast<double>(z)));
      CHECK(np[static_cast<std::size_t>(t - 1)] == static_cast<int>(std::trunc(t * static_cast<double>(z))));
    }
  }
}

TEST_CASE("rounding tie rule: a potential of exactly +-Vth/2 never fires, so zero input never oscillates") {
  const ds::IFNeurons<Shape1, ds::Symmetric, ds::RoundingFiring> neuron(1.0f);
  for (float first : {0.5f, -0.5f}) {
    std::vector<float> v;
    const auto out = run_one(neuron, {first, 0, 0, 0, 0, 0}, &v);
    CHECK(out == std::vector<float>(6, 0.0f));
    CHECK(v == std::vector<float>(6, first));
  }
  // After a positive spike that leaves V in (-1/2, 1/2], zeros fire nothing either.
  std::vector<float> v;
  const auto out = run_one(neuron, {0.75f, 0.25f, 0, 0, 0}, &v);
  CHECK(out == std::vector<float>{1, 0, 0, 0, 0});
  CHECK(v == std::vector<float>{-0.25f, 0.0f, 0.0f, 0.0f, 0.0f});
}

TEST_CASE("alternating and saturating inputs, both firing rules (Vth = 1)") {
  const ds::IFNeurons<Shape1, ds::Symmetric, ds::PaperFiring> paper(1.0f);
  const ds::IFNeurons<Shape1, ds::Symmetric, ds::RoundingFiring> rounding(1.0f);
  // Alternating +-0.75: paper V 0.75, 0, 0.75, 0 (case IF-05 c); rounding fires at once.
  std::vector<float> v;
  CHECK(run_one(paper, {0.75f, -0.75f, 0.75f, -0.75f}, &v) == std::vector<float>{0, 0, 0, 0});
  CHECK(v == std::vector<float>{0.75f, 0.0f, 0.75f, 0.0f});
  v.clear();
  // Rounding: 0.75 fires -> -0.25; -1.0 fires -> 0; 0.75 fires -> -0.25; -1.0 fires -> 0.
  CHECK(run_one(rounding, {0.75f, -0.75f, 0.75f, -0.75f}, &v) == std::vector<float>{1, -1, 1, -1});
  CHECK(v == std::vector<float>{-0.25f, 0.0f, -0.25f, 0.0f});
  // Saturating 1.5 per step: one spike per step at most, the potential grows by 0.5.
  for (const auto& out : {run_one(paper, std::vector<float>(4, 1.5f), &(v = {})), run_one(rounding, std::vector<float>(4, 1.5f))})
    CHECK(out == std::vector<float>{1, 1, 1, 1});
  CHECK(v == std::vector<float>{0.5f, 1.0f, 1.5f, 2.0f});
}

TEST_CASE("positive-only neurons (tReLU, ReLU): no negative spikes; case IF-05 b gives N = 1, V(T) = -1") {
  const ds::IFNeurons<Shape1, ds::PositiveOnly, ds::PaperFiring> paper(1.0f);
  std::vector<float> v;
  CHECK(run_one(paper, {1.5f, -0.5f, -0.5f, -0.5f}, &v) == std::vector<float>{1, 0, 0, 0});
  CHECK(v == std::vector<float>{0.5f, 0.0f, -0.5f, -1.0f});
  v.clear();
  CHECK(run_one(paper, std::vector<float>(4, -0.75f), &v) == std::vector<float>(4, 0.0f));
  CHECK(v == std::vector<float>{-0.75f, -1.5f, -2.25f, -3.0f});  // the potential is not bounded below
  const ds::IFNeurons<Shape1, ds::PositiveOnly, ds::RoundingFiring> rounding(0.5f);  // Vth = 0.5: fires above 0.25
  v.clear();
  // 0.1875 per step: V 0.1875, 0.375 > 0.25 fires (carries 0.5) -> -0.125, 0.0625, 0.25 (tie), 0.4375 fires -> -0.0625.
  CHECK(run_one(rounding, std::vector<float>(5, 0.1875f), &v) == std::vector<float>{0, 0.5f, 0, 0, 0.5f});
  CHECK(v == std::vector<float>{0.1875f, -0.125f, 0.0625f, 0.25f, -0.0625f});
  CHECK(run_one(rounding, std::vector<float>(3, -2.0f)) == std::vector<float>(3, 0.0f));
}

TEST_CASE("asymmetric neurons (atLeakyReLU, alpha = 0.5): thresholds 1 and 4, values 1 and 2") {
  const ds::Asymmetric scheme{1.0f, 4.0f, 1.0f, 2.0f};
  const ds::IFNeurons<Shape1, ds::Asymmetric, ds::PaperFiring> paper(scheme);
  std::vector<float> v;
  // -1 per step: V -1, -2, -3, -4 fires (carries -2, resets by 4) -> 0, ...: rate 1/4 x 2 = alpha |x|.
  CHECK(run_one(paper, std::vector<float>(8, -1.0f), &v) == std::vector<float>{0, 0, 0, -2, 0, 0, 0, -2});
  CHECK(v == std::vector<float>{-1, -2, -3, 0, -1, -2, -3, 0});
  // +0.5 per step: the positive side is the paper's neuron at 1.
  CHECK(run_one(paper, std::vector<float>(4, 0.5f)) == std::vector<float>{0, 1, 0, 1});
  // Alternating: 0.75, -1.5, 0.75, -3.5: V 0.75, -0.75, 0, -3.5 (no spike: above -4).
  v.clear();
  CHECK(run_one(paper, {0.75f, -1.5f, 0.75f, -3.5f, -0.5f}, &v) == std::vector<float>{0, 0, 0, 0, -2});
  CHECK(v == std::vector<float>{0.75f, -0.75f, 0.0f, -3.5f, 0.0f});
  // -0.75 per step, paper: V -0.75, -1.5, -2.25, -3, -3.75, -4.5 fires -> -0.5, -1.25, -2.
  v.clear();
  CHECK(run_one(paper, std::vector<float>(8, -0.75f), &v) == std::vector<float>{0, 0, 0, 0, 0, -2, 0, 0});
  CHECK(v == std::vector<float>{-0.75f, -1.5f, -2.25f, -3.0f, -3.75f, -0.5f, -1.25f, -2.0f});
  // Rounding: the positive side fires above 1/2, the negative side below -(4 - 1/2) = -3.5, so
  // a negative spike leaves V below 1/2 and never triggers a positive one: -3.75 fires -> 0.25.
  const ds::IFNeurons<Shape1, ds::Asymmetric, ds::RoundingFiring> rounding(scheme);
  CHECK(rounding.kernel_params().fire_pos == 0.5f);
  CHECK(rounding.kernel_params().fire_neg == 3.5f);
  v.clear();
  CHECK(run_one(rounding, std::vector<float>(8, -0.75f), &v) == std::vector<float>{0, 0, 0, 0, -2, 0, 0, 0});
  CHECK(v == std::vector<float>{-0.75f, -1.5f, -2.25f, -3.0f, 0.25f, -0.5f, -1.25f, -2.0f});
  v.clear();
  CHECK(run_one(rounding, {0.75f, 0, 0}, &v) == std::vector<float>{1, 0, 0});
  CHECK(v == std::vector<float>{-0.25f, -0.25f, -0.25f});
  // Saturating -5 per step: one spike per step, V falls by 1 each step.
  CHECK(run_one(paper, std::vector<float>(3, -5.0f), &(v = {})) == std::vector<float>{-2, -2, -2});
  CHECK(v == std::vector<float>{-1, -2, -3});
}

TEST_CASE("charge invariant for every scheme and firing rule: reset+ N+ - reset- N- + V(T) = sum I") {
  ds::Rng rng(91);
  std::vector<float> inputs(200);
  for (float& x : inputs) x = static_cast<float>(static_cast<int>(rng.below(65)) - 32) / 16.0f;  // [-2, 2], dyadic
  auto check = [&](const auto& neuron) {
    std::vector<float> v;
    const auto out = run_one(neuron, inputs, &v);
    const ds::IFKernelParams& p = neuron.kernel_params();
    double charge = 0.0, sum = 0.0;
    for (std::size_t t = 0; t < out.size(); ++t) {
      sum += inputs[t];
      charge += out[t] > 0 ? p.reset_pos : (out[t] < 0 ? -static_cast<double>(p.reset_neg) : 0.0);
      CHECK(charge + v[t] == sum);  // exact: every quantity is a multiple of 1/16
    }
  };
  check(ds::IFNeurons<Shape1, ds::Symmetric, ds::PaperFiring>(1.0f));
  check(ds::IFNeurons<Shape1, ds::Symmetric, ds::RoundingFiring>(0.5f));
  check(ds::IFNeurons<Shape1, ds::PositiveOnly, ds::PaperFiring>(1.0f));
  check(ds::IFNeurons<Shape1, ds::PositiveOnly, ds::RoundingFiring>(1.0f));
  check(ds::IFNeurons<Shape1, ds::Asymmetric, ds::PaperFiring>(ds::Asymmetric{1.0f, 4.0f, 1.0f, 2.0f}));
  check(ds::IFNeurons<Shape1, ds::Asymmetric, ds::RoundingFiring>(ds::Asymmetric{0.5f, 2.0f, 0.5f, 1.0f}));
}

TEST_CASE("the vector kernel equals the scalar reference bit for bit, every scheme and rule") {
  ds::Rng rng(92);
  constexpr std::size_t n = 203;  // not a multiple of any vector width: the tail runs too
  auto check = [&](const auto& neuron) {
    using N = std::decay_t<decltype(neuron)>;
    ds::IFNeurons<ds::Shape<n>, typename N::scheme_type, typename N::firing_type> layer(neuron.scheme());
    ds::Matrix v, out;
    layer.begin(v, 1);
    std::vector<float> ref_v(n, 0.0f);
    const ds::IFKernelParams& p = layer.kernel_params();
    for (int t = 0; t < 20; ++t) {
      ds::Matrix current(n, 1);
      for (std::size_t i = 0; i < n; ++i) current(static_cast<Eigen::Index>(i), 0) = rng.uniform(-3.0f, 3.0f);
      layer.step(current, v, out);
      for (std::size_t i = 0; i < n; ++i) {
        const float s = ds::if_step_scalar<N::firing_type::strict>(ref_v[i], current(static_cast<Eigen::Index>(i), 0), p);
        const float want = s > 0 ? p.value_pos : (s < 0 ? -p.value_neg : 0.0f);
        REQUIRE(out(static_cast<Eigen::Index>(i), 0) == want);
        REQUIRE(v(static_cast<Eigen::Index>(i), 0) == ref_v[i]);
      }
    }
  };
  check(ds::IFNeurons<Shape1, ds::Symmetric, ds::PaperFiring>(0.75f));
  check(ds::IFNeurons<Shape1, ds::Symmetric, ds::RoundingFiring>(0.75f));
  check(ds::IFNeurons<Shape1, ds::PositiveOnly, ds::RoundingFiring>(1.0f));
  check(ds::IFNeurons<Shape1, ds::Asymmetric, ds::PaperFiring>(ds::Asymmetric{1.0f, 2.25f, 1.0f, 1.5f}));
  check(ds::IFNeurons<Shape1, ds::Asymmetric, ds::RoundingFiring>(ds::Asymmetric{1.0f, 2.25f, 1.0f, 1.5f}));
}

TEST_CASE("the paper's symmetric neuron is DualThresholdIF and keeps the kernel of the 4-argument if_step") {
  static_assert(std::is_same_v<ds::DualThresholdIF<Shape1>, ds::IFNeurons<Shape1, ds::Symmetric, ds::PaperFiring>>);
  ds::Rng rng(93);
  std::vector<float> cur(77), v1(77, 0.0f), v2(77, 0.0f), o1(77), o2(77);
  for (int t = 0; t < 10; ++t) {
    for (float& c : cur) c = rng.uniform(-2.0f, 2.0f);
    ds::if_step(v1.data(), cur.data(), o1.data(), cur.size(), 0.5f, 0.5f);
    ds::if_step<false, true>(v2.data(), cur.data(), o2.data(), cur.size(), {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f});
    CHECK(v1 == v2);
    CHECK(o1 == o2);
  }
}

TEST_CASE("neuron thresholds and values are validated, naming the field") {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  using Sym = ds::IFNeurons<ds::Shape<2>, ds::Symmetric, ds::RoundingFiring>;
  CHECK_THROWS_WITH_AS((void)Sym(0.0f), doctest::Contains("IFNeurons.v_threshold = 0"), ds::ConfigError);
  using Pos = ds::IFNeurons<ds::Shape<2>, ds::PositiveOnly>;
  CHECK_THROWS_WITH_AS((void)Pos(-1.0f), doctest::Contains("IFNeurons.v_threshold = -1"), ds::ConfigError);
  using Asym = ds::IFNeurons<ds::Shape<2>, ds::Asymmetric>;
  CHECK_THROWS_WITH_AS((void)Asym(ds::Asymmetric{1.0f, nan, 1.0f, 1.0f}), doctest::Contains("IFNeurons.v_threshold_neg = nan"),
                       ds::ConfigError);
  CHECK_THROWS_WITH_AS((void)Asym(ds::Asymmetric{1.0f, 1.0f, 1.0f, inf}), doctest::Contains("IFNeurons.value_neg = inf"),
                       ds::ConfigError);
  CHECK_THROWS_WITH_AS((void)Asym(ds::Asymmetric{0.0f, 1.0f, 1.0f, 1.0f}), doctest::Contains("IFNeurons.v_threshold_pos = 0"),
                       ds::ConfigError);
}
