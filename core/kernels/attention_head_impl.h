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

/// dst[p * width + t] = src[t * stride + p] for t < rows, 0 for t in
/// [rows, width): a head's d x L transpose, its rows padded to `width`.
ATTUNE_INLINE void transpose(int64_t rows, int64_t cols, const float* src, int64_t stride, float* dst, int64_t width) {
  for (int64_t p = 0; p < cols; ++p) {
    for (int64_t t = 0; t < rows; ++t) dst[p * width + t] = src[t * stride + p];
    for (int64_t t = rows; t < width; ++t) dst[p * width + t] = 0.0f;
  }
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

/// probs[0, n) = softmax(scores + mask) and probs[n, length) = 0. scores:
/// the row's n scores in a buffer of padded_keys(n) floats, overwritten.
ATTUNE_INLINE void softmax_row(int64_t n, int64_t length, const float* mask, float* scores, float* probs) {
  const int64_t width = padded_keys(n);
  if (mask != nullptr)
    for (int64_t j = 0; j < n; ++j) scores[j] += mask[j];
  for (int64_t j = n; j < width; ++j) scores[j] = -3.0e38f;  // exp gives 0, the max is unchanged
  v8 maxes = load8(scores);
  for (int64_t j = 8; j < width; j += 8) maxes = max8(maxes, load8(scores + j));
  float max = maxes[0];
  for (int lane = 1; lane < 8; ++lane) max = larger(max, maxes[lane]);
  v8 sums = {};
  for (int64_t j = 0; j < width; j += 8) {
    const v8 e = exp_nonpositive(load8(scores + j) - splat(max));
    store8(scores + j, e);
    sums += e;
  }
  const float inverse = 1.0f / sum8(sums);
  for (int64_t j = 0; j < n; ++j) probs[j] = scores[j] * inverse;
  std::memset(probs + n, 0, sizeof(float) * static_cast<size_t>(length - n));
}

/// The weights applied to v: probs * keep over each row's first n columns
/// (row stride L).
ATTUNE_INLINE const float* apply_dropout(int64_t L, int64_t n, const float* probs, const float* keep, float* dropped) {
  if (keep == nullptr) return probs;
  for (int64_t i = 0; i < L; ++i)
    for (int64_t j = 0; j < n; ++j) dropped[i * L + j] = probs[i * L + j] * keep[i * L + j];
  return dropped;
}

/// Rows [n, L) of a head's [L x d] block, zeroed.
ATTUNE_INLINE void zero_rows(int64_t n, int64_t L, int64_t d, float* rows, int64_t stride) {
  for (int64_t t = n; t < L; ++t) std::memset(rows + t * stride, 0, sizeof(float) * d);
}

}  // namespace

void attention_head_forward(const AttentionHead& h, const float* q, const float* k, const float* v, const float* mask,
                            const float* keep, float* probs, float* out, float* scratch) {
  const int64_t L = h.length, n = h.keys, d = h.head_dim, width = padded_keys(n);
  // The products over keys run on rows padded to whole vectors (no scalar tails).
  float* keys_t = scratch;                       // d x width
  float* scores = keys_t + d * padded_keys(L);   // L x width
  float* dropped = scores + L * padded_keys(L);  // L x L (n columns used), with dropout
  transpose(n, d, k, h.in_stride, keys_t, width);
  product(L, width, d, h.scale, q, h.in_stride, 1, keys_t, width, scores, width);
  for (int64_t i = 0; i < L; ++i) softmax_row(n, L, mask, scores + i * width, probs + i * L);
  const float* weights = apply_dropout(L, n, probs, keep, dropped);
  product(L, d, n, 1.0f, weights, L, 1, v, h.in_stride, out, h.out_stride);
}

void attention_head_backward(const AttentionHead& h, const float* q, const float* k, const float* v, const float* probs,
                             const float* keep, const float* grad_out, float* grad_q, float* grad_k, float* grad_v,
                             float* scratch) {
  const int64_t L = h.length, n = h.keys, d = h.head_dim, width = padded_keys(n);
  float* values_t = scratch;                           // d x width
  float* grad_scores = values_t + d * padded_keys(L);  // L x width
  float* dropped = grad_scores + L * padded_keys(L);   // L x L (n columns used): the weights applied to v
  const float* weights = apply_dropout(L, n, probs, keep, dropped);
  // grad_v = weights^T grad_out; a padded key's value had no weight.
  product(n, d, L, 1.0f, weights, 1, L, grad_out, h.out_stride, grad_v, h.in_stride);
  zero_rows(n, L, d, grad_v, h.in_stride);
  // grad of the weights = grad_out v^T, then back through dropout and softmax:
  // grad_scores = probs * (g - sum(g * probs)) * scale, per row.
  transpose(n, d, v, h.in_stride, values_t, width);
  product(L, width, d, 1.0f, grad_out, h.out_stride, 1, values_t, width, grad_scores, width);
  for (int64_t i = 0; i < L; ++i) {
    float* g = grad_scores + i * width;
    const float* p = probs + i * L;
    if (keep != nullptr)
      for (int64_t j = 0; j < n; ++j) g[j] *= keep[i * L + j];
    const float expected = dot(n, g, p);
    for (int64_t j = 0; j < n; ++j) g[j] = p[j] * (g[j] - expected) * h.scale;
  }
  product(L, d, n, 1.0f, grad_scores, width, 1, k, h.in_stride, grad_q, h.in_stride);  // grad_q = gs k
  product(n, d, L, 1.0f, grad_scores, 1, width, q, h.in_stride, grad_k, h.in_stride);  // grad_k = gs^T q
  zero_rows(n, L, d, grad_k, h.in_stride);
}

}  // namespace attune::kernels::ATTUNE_KERNEL_ISA
