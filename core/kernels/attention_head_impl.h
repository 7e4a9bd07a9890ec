#include <cstring>

#include "core/kernels/cpu_kernels.h"

// The attention kernels' body, compiled once per instruction set by the
// attention_head_<isa>.cpp files, which set the target for every function of
// their translation unit before including it. (A target attribute on the
// entry points alone is not enough: GCC lowers the helpers' 8-float vectors
// for the baseline target before it inlines them.) No std:: templates here:
// an instantiation made for AVX2 could be the one the linker keeps for all.
//
// Requires: ATTUNE_KERNEL_ISA, the namespace of this copy.
//
// Self-attention of one (batch, head) pair in one pass over L x L scores
// that stay in cache. The six small products (L x d by d x L and back) run in
// register tiles of 4 rows by 16 columns; the exponential is a vectorized
// polynomial. The file is built with -ffp-contract=fast so that `acc += a * b`
// becomes one fused multiply-add where the target has FMA.
namespace attune::kernels::ATTUNE_KERNEL_ISA {
namespace {

typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

#define ATTUNE_INLINE inline __attribute__((always_inline))

ATTUNE_INLINE v8 load8(const float* p) {
  v8 r;
  std::memcpy(&r, p, sizeof r);
  return r;
}
ATTUNE_INLINE void store8(float* p, v8 v) {
  std::memcpy(p, &v, sizeof v);
}
ATTUNE_INLINE v8 splat(float x) {
  v8 lanes = {x};
  return __builtin_shuffle(lanes, v8i{});  // lane 0 everywhere: one broadcast
}

/// C[m x n] = alpha * A B, where A's element (i, p) is a[i * lda + p * ap]
/// and B's row p is the n contiguous floats at b + p * ldb.
template <int Rows, int Vectors>
ATTUNE_INLINE void tile(int64_t k, float alpha, const float* a, int64_t lda, int64_t ap, const float* b, int64_t ldb,
                        float* c, int64_t ldc) {
  v8 acc[Rows][Vectors] = {};
  for (int64_t p = 0; p < k; ++p) {
    v8 row[Vectors];
#pragma GCC unroll 4
    for (int v = 0; v < Vectors; ++v) row[v] = load8(b + p * ldb + 8 * v);
#pragma GCC unroll 4
    for (int r = 0; r < Rows; ++r) {
      const v8 x = splat(a[r * lda + p * ap]);
#pragma GCC unroll 4
      for (int v = 0; v < Vectors; ++v) acc[r][v] += x * row[v];
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < Vectors; ++v) store8(c + r * ldc + 8 * v, acc[r][v] * alpha);
}

template <int Rows>
ATTUNE_INLINE void tile_columns(int64_t n, int64_t k, float alpha, const float* a, int64_t lda, int64_t ap,
                                const float* b, int64_t ldb, float* c, int64_t ldc) {
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) tile<Rows, 2>(k, alpha, a, lda, ap, b + j, ldb, c + j, ldc);
  for (; j + 8 <= n; j += 8) tile<Rows, 1>(k, alpha, a, lda, ap, b + j, ldb, c + j, ldc);
  for (; j < n; ++j) {
    for (int r = 0; r < Rows; ++r) {
      float sum = 0;
      for (int64_t p = 0; p < k; ++p) sum += a[r * lda + p * ap] * b[p * ldb + j];
      c[r * ldc + j] = sum * alpha;
    }
  }
}

ATTUNE_INLINE void product(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda, int64_t ap,
                           const float* b, int64_t ldb, float* c, int64_t ldc) {
  int64_t i = 0;
  for (; i + 4 <= m; i += 4) tile_columns<4>(n, k, alpha, a + i * lda, lda, ap, b, ldb, c + i * ldc, ldc);
  for (; i < m; ++i) tile_columns<1>(n, k, alpha, a + i * lda, lda, ap, b, ldb, c + i * ldc, ldc);
}

/// dst[p * rows + t] = src[t * stride + p]: a head's d x L transpose.
ATTUNE_INLINE void transpose(int64_t rows, int64_t cols, const float* src, int64_t stride, float* dst) {
  for (int64_t t = 0; t < rows; ++t)
    for (int64_t p = 0; p < cols; ++p) dst[p * rows + t] = src[t * stride + p];
}

/// The sum of a vector's lanes; the lane-wise larger of two vectors.
ATTUNE_INLINE float sum8(v8 x) {
  return ((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7]));
}
ATTUNE_INLINE v8 max8(v8 a, v8 b) {
  return a > b ? a : b;
}

/// sum(a * b) over n entries, in eight lanes.
ATTUNE_INLINE float dot(int64_t n, const float* a, const float* b) {
  v8 lanes = {};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) lanes += load8(a + j) * load8(b + j);
  float sum = sum8(lanes);
  for (; j < n; ++j) sum += a[j] * b[j];
  return sum;
}

ATTUNE_INLINE float larger(float a, float b) {
  return a > b ? a : b;
}

ATTUNE_INLINE float row_max(int64_t n, const float* row) {
  float max = row[0];
  int64_t j = 0;
  if (n >= 8) {
    v8 lanes = load8(row);
    for (j = 8; j + 8 <= n; j += 8) lanes = max8(lanes, load8(row + j));
    for (int lane = 0; lane < 8; ++lane) max = larger(max, lanes[lane]);
  }
  for (; j < n; ++j) max = larger(max, row[j]);
  return max;
}

// exp(x) for x <= 0 (Cephes' expf: x = n ln2 + r, |r| <= ln2 / 2, a degree-5
// polynomial in r, then 2^n in the exponent bits); below -87 it is 0, as
// float's exp underflows there within a factor of 2^-23 of the row's sum.
ATTUNE_INLINE v8 exp_nonpositive(v8 x) {
  const v8 lowest = splat(-87.0f);
  const v8i underflow = x < lowest;
  x = x < lowest ? lowest : x;
  const v8 magic = splat(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  const v8 n = (x * splat(1.44269504088896341f) + magic) - magic;
  v8 r = x - n * splat(0.693359375f);
  r = r - n * splat(-2.12194440e-4f);
  v8 y = splat(1.9875691500e-4f);
  y = y * r + splat(1.3981999507e-3f);
  y = y * r + splat(8.3334519073e-3f);
  y = y * r + splat(4.1665795894e-2f);
  y = y * r + splat(1.6666665459e-1f);
  y = y * r + splat(5.0000001201e-1f);
  y = y * (r * r) + r + splat(1.0f);
  const v8i bits = (__builtin_convertvector(n, v8i) + 127) << 23;
  v8 scale;
  std::memcpy(&scale, &bits, sizeof scale);
  const v8 result = y * scale;
  return underflow ? splat(0.0f) : result;
}

/// row = softmax(row + mask) in place, over n entries.
ATTUNE_INLINE void softmax_row(int64_t n, const float* mask, float* row) {
  if (mask != nullptr)
    for (int64_t j = 0; j < n; ++j) row[j] += mask[j];
  const float max = row_max(n, row);
  float sum = 0;
  int64_t j = 0;
  v8 sums = {};
  for (; j + 8 <= n; j += 8) {
    const v8 e = exp_nonpositive(load8(row + j) - max);
    store8(row + j, e);
    sums += e;
  }
  sum += sum8(sums);
  for (; j < n; ++j) {
    float tail[8] = {row[j] - max};
    const v8 e = exp_nonpositive(load8(tail));
    row[j] = e[0];
    sum += e[0];
  }
  const float inverse = 1.0f / sum;
  for (int64_t t = 0; t < n; ++t) row[t] *= inverse;
}

}  // namespace

void attention_head_forward(const AttentionHead& h, const float* q, const float* k, const float* v, const float* mask,
                            const float* keep, float* probs, float* out, float* scratch) {
  const int64_t L = h.length, d = h.head_dim;
  float* keys_t = scratch;           // d x L
  float* dropped = scratch + d * L;  // L x L, with dropout
  transpose(L, d, k, h.in_stride, keys_t);
  product(L, L, d, h.scale, q, h.in_stride, 1, keys_t, L, probs, L);
  for (int64_t i = 0; i < L; ++i) softmax_row(L, mask, probs + i * L);
  const float* weights = probs;
  if (keep != nullptr) {
    for (int64_t e = 0; e < L * L; ++e) dropped[e] = probs[e] * keep[e];
    weights = dropped;
  }
  product(L, d, L, 1.0f, weights, L, 1, v, h.in_stride, out, h.out_stride);
}

void attention_head_backward(const AttentionHead& h, const float* q, const float* k, const float* v, const float* probs,
                             const float* keep, const float* grad_out, float* grad_q, float* grad_k, float* grad_v,
                             float* scratch) {
  const int64_t L = h.length, d = h.head_dim;
  float* values_t = scratch;             // d x L
  float* dropped = scratch + d * L;      // L x L: the weights applied to v
  float* grad_scores = dropped + L * L;  // L x L
  const float* weights = probs;
  if (keep != nullptr) {
    for (int64_t e = 0; e < L * L; ++e) dropped[e] = probs[e] * keep[e];
    weights = dropped;
  }
  // grad_v = weights^T grad_out
  product(L, d, L, 1.0f, weights, 1, L, grad_out, h.out_stride, grad_v, h.in_stride);
  // grad of the weights = grad_out v^T, then back through dropout and softmax:
  // grad_scores = probs * (g - sum(g * probs)) * scale, per row.
  transpose(L, d, v, h.in_stride, values_t);
  product(L, L, d, 1.0f, grad_out, h.out_stride, 1, values_t, L, grad_scores, L);
  for (int64_t i = 0; i < L; ++i) {
    float* g = grad_scores + i * L;
    const float* p = probs + i * L;
    if (keep != nullptr)
      for (int64_t j = 0; j < L; ++j) g[j] *= keep[i * L + j];
    const float expected = dot(L, g, p);
    for (int64_t j = 0; j < L; ++j) g[j] = p[j] * (g[j] - expected) * h.scale;
  }
  product(L, d, L, 1.0f, grad_scores, L, 1, k, h.in_stride, grad_q, h.in_stride);  // grad_q = gs k
  product(L, d, L, 1.0f, grad_scores, 1, L, q, h.in_stride, grad_k, h.in_stride);  // grad_k = gs^T q
}

}  // namespace attune::kernels::ATTUNE_KERNEL_ISA
