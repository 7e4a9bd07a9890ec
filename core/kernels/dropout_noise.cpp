#include <algorithm>

#include "core/kernels/cpu_kernels.h"

namespace attune::kernels {
namespace {

// A 32-bit integer finalizer with low bias ("lowbias32", C. Wellons 2018):
// two multiply-xorshift rounds, enough to turn a counter into uniform bits
// for dropout, and cheap in SIMD registers (unlike a stateful generator).
inline uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

}  // namespace

__attribute__((target_clones("avx512f", "avx2", "default"))) void dropout_noise(uint64_t seed, uint32_t drop_threshold,
                                                                                float scale, float* __restrict noise,
                                                                                int64_t begin, int64_t end) {
  const uint32_t key_low = static_cast<uint32_t>(seed), key_high = static_cast<uint32_t>(seed >> 32);
  // The element's index keyed by the seed's halves; indices past 2^32 (in
  // blocks of 2^32) fold their high bits into the key.
  for (int64_t block = begin; block < end;) {
    const uint64_t high = static_cast<uint64_t>(block) >> 32;
    const int64_t block_end = std::min<int64_t>(end, static_cast<int64_t>((high + 1) << 32));
    const uint32_t key = key_high ^ mix32(static_cast<uint32_t>(high) + key_low);
    for (int64_t i = block; i < block_end; ++i) {
      const uint32_t bits = mix32(mix32(static_cast<uint32_t>(i) ^ key) + key_low);
      noise[i - begin] = bits >= drop_threshold ? scale : 0.0f;
    }
    block = block_end;
  }
}

}  // namespace attune::kernels
