#pragma once
/// \file linalg.hpp
/// Matrix products and sums whose results do not depend on the number of threads.
///
/// Eigen's GEMM splits the inner (depth) dimension into blocks `kc` whose size depends on
/// the cache sizes *and* on whether it runs multi-threaded, and each block's partial sum is
/// rounded into the result: the same product can differ in the last bits between 1 and 2+
/// threads once the depth exceeds Eigen's smallest `kc`. `product` therefore splits the
/// depth itself into fixed pieces of `kProductDepth`, no larger than any `kc` Eigen
/// chooses (it only splits a depth above about 136 floats for a 16 KiB L1 and above 288 for
/// 32 KiB), and accumulates the pieces into the result in order. Eigen may still spread a
/// piece's rows and columns over threads; every output element is then still summed by
/// the same kernel in the same order (tests/unit/test_determinism.cpp checks 1-4 threads).
///
/// Threads: Eigen starts an OpenMP team for every GEMM above a small size (50,000
/// multiply-adds per thread), i.e. for every piece. On a machine whose cores are busy
/// with other work, each of those teams waits for a descheduled thread, and a small
/// network trains many times slower with 2 threads than with 1 (docs/benchmarks.md).
/// `product` therefore runs a product of fewer than `kParallelProductWork` multiply-adds
/// on the calling thread alone; larger ones use Eigen's threads.
#include <algorithm>
#include <utility>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <Eigen/Core>

#include "parallel.hpp"
#include "shape.hpp"

namespace dualspike {

/// Depth of the pieces `product` splits a matrix product into.
inline constexpr Eigen::Index kProductDepth = 128;

/// Multiply-adds below which `product` uses no threads (about 2^24: a 784 -> 100 dense
/// layer on a batch of 128, 10 M, runs on one thread; 784 -> 1200, 120 M, on all).
inline constexpr double kParallelProductWork = 16.0 * 1024 * 1024;

namespace detail {
template <class D, class A, class B>
void product_in_pieces(Eigen::MatrixBase<D>& dst, const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  const Eigen::Index depth = a.cols();
  Eigen::Index piece = std::min(kProductDepth, depth);
  dst.noalias() = a.leftCols(piece) * b.topRows(piece);
  for (Eigen::Index k = piece; k < depth; k += piece) {
    piece = std::min(kProductDepth, depth - k);
    dst.noalias() += a.middleCols(k, piece) * b.middleRows(k, piece);
  }
}
}  // namespace detail

/// `dst = a * b`, accumulated over the inner dimension in pieces of `kProductDepth`, so the
/// result is bit-identical for any number of OpenMP threads. `dst` must not alias `a` or
/// `b`; a resizable `dst` is resized to `a.rows() x b.cols()`. Cost: that of the product
/// plus one read and write of `dst` per piece; on the calling thread alone below
/// `kParallelProductWork` multiply-adds, else on Eigen's OpenMP threads.
template <class D, class A, class B>
void product(Eigen::MatrixBase<D>& dst, const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  const Eigen::Index depth = a.cols();
  if (depth == 0) {
    dst.derived().resize(a.rows(), b.cols());
    dst.setZero();
    return;
  }
#if defined(_OPENMP)
  const double work = static_cast<double>(a.rows()) * static_cast<double>(depth) * static_cast<double>(b.cols());
  if (work < kParallelProductWork && !omp_in_parallel() && omp_get_max_threads() > 1) {
    // A team of one: Eigen reads its thread count from this task's nthreads ICV, which
    // omp_set_num_threads changes for this region only; no other thread is woken.
    DUALSPIKE_OMP(parallel num_threads(1))
    {
      omp_set_num_threads(1);
      detail::product_in_pieces(dst, a, b);
    }
    return;
  }
#endif
  detail::product_in_pieces(dst, a, b);
}
template <class D, class A, class B>
void product(Eigen::MatrixBase<D>&& dst, const Eigen::MatrixBase<A>& a, const Eigen::MatrixBase<B>& b) {
  product(dst, a, b);
}

/// `sums[r] += sum over columns of m(r, .)`, in double and in column order (exact for
/// cancelling values such as 1e8, 1, -1e8, 1). `sums` must have `m.rows()` entries.
template <class M>
void add_row_sums(Eigen::VectorXd& sums, const Eigen::MatrixBase<M>& m) {
  for (Eigen::Index j = 0; j < m.cols(); ++j) sums += m.col(j).template cast<double>();
}

/// `sums[c] += sum over rows of m(., c)`, in double: row r goes to partial sum r % 8, and
/// the eight partial sums are added in lane order (a fixed order, independent of threads;
/// exact for cancelling values such as 1e8, 1, -1e8, 1). `m` must have contiguous
/// columns; `sums` must have `m.cols()` entries.
template <class M>
void add_column_sums(Eigen::VectorXd& sums, const Eigen::MatrixBase<M>& m) {
  constexpr Eigen::Index kLanes = 8;  // independent additions the compiler can vectorize
  for (Eigen::Index c = 0; c < m.cols(); ++c) {
    const float* v = m.col(c).data();
    double lane[kLanes] = {};
    Eigen::Index r = 0;
    for (; r + kLanes <= m.rows(); r += kLanes)
      for (Eigen::Index l = 0; l < kLanes; ++l) lane[l] += v[r + l];
    for (Eigen::Index l = 0; r < m.rows(); ++r, ++l) lane[l] += v[r];
    double s = 0.0;
    for (double x : lane) s += x;
    sums[c] += s;
  }
}

/// Where a backward pass writes dLoss/dx: `*dx` itself, or, when `dx` is `&dy` (the caller
/// reuses the upstream gradient's storage for the result), a temporary that `finish()`
/// moves into `*dx`, so that `dy` stays intact while it is read. `get()` is null when
/// `dx` is.
class GradientOutput {
 public:
  GradientOutput(Matrix* dx, const Matrix& dy) noexcept : dx_(dx), out_(dx == &dy ? &temporary_ : dx) {}
  GradientOutput(const GradientOutput&) = delete;
  GradientOutput& operator=(const GradientOutput&) = delete;
  [[nodiscard]] Matrix* get() const noexcept { return out_; }
  void finish() {
    if (out_ == &temporary_) *dx_ = std::move(temporary_);
  }

 private:
  Matrix* dx_;
  Matrix temporary_;
  Matrix* out_;
};

}  // namespace dualspike
