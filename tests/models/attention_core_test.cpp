// The attention core's fast paths (attune's fused CPU kernel on LibTorch
// 1.13, at::scaled_dot_product_attention on 2.x) against the explicit
// operations, i.e. PyTorch's own matmul and softmax kernels: outputs and the
// gradients of q, k and v, with padding masks (a padded tail, which the fused
// kernel leaves out of its products; padding elsewhere; biases that only
// lower a key), odd lengths (vector tails),
// several head sizes, dropout in training, both copies of the CPU kernel
// (AVX2 and baseline), packed and separate projections.
#include "models/attention_core.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <limits>
#include <vector>

#include "core/kernels/cpu_kernels.h"
#include "models/attention.h"

namespace attune {
namespace attention_core_test {

struct Shape {
  int64_t batch, length, hidden, heads;
};

const std::vector<Shape> kShapes = {
    {3, 7, 12, 3},    // head_dim 4, every length a vector tail
    {2, 64, 96, 4},   // the demo model's heads (head_dim 24)
    {2, 33, 128, 2},  // head_dim 64, one past a tile
    {1, 1, 8, 1},     // one token
};

/// [B, L] with the last keys of every other sequence padded (at least one
/// real token each): the tail the fused kernel leaves out of its products.
torch::Tensor padding_mask(const Shape& s) {
  auto mask = torch::ones({s.batch, s.length}, torch::kLong);
  for (int64_t b = 0; b < s.batch; b += 2) {
    const int64_t real = std::max<int64_t>(1, s.length - 1 - b * 3);
    mask.index_put_({b, torch::indexing::Slice(real, torch::indexing::None)}, 0);
  }
  return additive_padding_mask(mask, torch::kFloat);
}

/// Padding that is not a tail: the first key and every third one padded,
/// the last one real.
torch::Tensor holes_mask(const Shape& s) {
  auto mask = torch::ones({s.batch, s.length}, torch::kLong);
  for (int64_t t = 0; t + 1 < s.length; t += 3) mask.index_put_({torch::indexing::Slice(), t}, 0);
  return additive_padding_mask(mask, torch::kFloat);
}

/// Biases that lower keys without removing them (-1e4, as older HuggingFace
/// masks are, and -2), on the tail of every sequence.
torch::Tensor soft_mask(const Shape& s) {
  auto mask = torch::zeros({s.batch, 1, 1, s.length});
  if (s.length > 2) {
    mask.index_put_({torch::indexing::Slice(), 0, 0, s.length - 1}, -1e4);
    mask.index_put_({torch::indexing::Slice(), 0, 0, s.length - 2}, -2.0);
  }
  return mask;
}

struct Result {
  torch::Tensor out, grad_q, grad_k, grad_v;
};

/// The forward pass and the gradients of a fixed random weighting of it.
template <class Attend>
Result run(const Shape& s, uint64_t seed, Attend attend) {
  torch::manual_seed(static_cast<int64_t>(seed));
  auto q = torch::randn({s.batch, s.length, s.hidden}, torch::requires_grad());
  auto k = torch::randn({s.batch, s.length, s.hidden}, torch::requires_grad());
  auto v = torch::randn({s.batch, s.length, s.hidden}, torch::requires_grad());
  const auto weights = torch::randn({s.batch, s.length, s.hidden});
  torch::manual_seed(static_cast<int64_t>(seed) + 1);  // the dropout draw
  auto out = attend(q, k, v);
  (out * weights).sum().backward();
  return {out.detach(), q.grad(), k.grad(), v.grad()};
}

/// attune's fused kernel sums in the explicit path's order closely enough
/// for 2e-6 of the largest value (measured). SDPA (LibTorch 2.x) tiles its
/// sums as flash attention does, so it is held to float32's tolerance as
/// torch.testing.assert_close has it: |a - b| <= 1e-5 + 1.3e-6 |b| for each element.
void expect_close(const Result& fast, const Result& reference, const std::string& what) {
  const bool sdpa = attention_path(reference.out, torch::Tensor()) == AttentionPath::sdpa;
  const auto check = [&](const torch::Tensor& a, const torch::Tensor& b, const char* name) {
    ASSERT_TRUE(a.defined() && b.defined()) << what << ": " << name;
    const double scale = b.abs().max().item<double>();
    if (sdpa) {
      const double excess = ((a - b).abs() - 1.3e-6 * b.abs()).max().item<double>();
      EXPECT_LE(excess, 1e-5) << what << ": " << name << " (largest value " << scale << ")";
      return;
    }
    const double error = (a - b).abs().max().item<double>();
    EXPECT_LE(error, 2e-6 * std::max(1.0, scale)) << what << ": " << name << " (largest value " << scale << ")";
  };
  check(fast.out, reference.out, "output");
  check(fast.grad_q, reference.grad_q, "grad q");
  check(fast.grad_k, reference.grad_k, "grad k");
  check(fast.grad_v, reference.grad_v, "grad v");
}

/// Whether this build's fast path draws dropout as attune::Dropout does (the
/// fused kernel); SDPA draws its own mask from LibTorch's generator.
bool same_dropout_draw(const Shape& s) {
  const auto q = torch::zeros({s.batch, s.length, s.hidden});
  return attention_path(q, padding_mask(s)) == AttentionPath::fused_cpu;
}

void check_against_explicit(const std::string& kernels) {
  uint64_t seed = 10;
  for (const auto& s : kShapes) {
    const std::vector<std::pair<std::string, torch::Tensor>> masks = {
        {"none", torch::Tensor()}, {"tail", padding_mask(s)}, {"holes", holes_mask(s)}, {"soft", soft_mask(s)}};
    for (const auto& [mask_name, m] : masks) {
      for (const double p : {0.0, 0.1}) {
        if (p > 0 && !same_dropout_draw(s)) continue;
        const AttentionSettings settings{s.heads, p, p > 0};
        const std::string what = kernels + fmt::format(" B={} L={} H={} heads={} mask={} p={}", s.batch, s.length,
                                                       s.hidden, s.heads, mask_name, p);
        const auto reference =
            run(s, ++seed, [&](auto& q, auto& k, auto& v) { return explicit_self_attention(q, k, v, m, settings); });
        const auto separate =
            run(s, seed, [&](auto& q, auto& k, auto& v) { return self_attention(q, k, v, m, settings); });
        expect_close(separate, reference, what + " separate");
        const auto packed = run(s, seed, [&](auto& q, auto& k, auto& v) {
          return packed_self_attention(torch::cat({q, k, v}, 2), m, settings);
        });
        expect_close(packed, reference, what + " packed");
      }
    }
  }
}

TEST(AttentionCore, FastPathEqualsTheExplicitOperations) {
  check_against_explicit("default kernels");
}

TEST(AttentionCore, BaselineCpuKernelEqualsTheExplicitOperations) {
  kernels::use_baseline_attention_kernels(true);
  check_against_explicit("baseline kernels");
  kernels::use_baseline_attention_kernels(false);
}

TEST(AttentionCore, DropoutInTrainingDropsSomeWeightsAndEvalDropsNone) {
  const Shape s{2, 16, 32, 2};
  const AttentionSettings training{s.heads, 0.5, true}, eval{s.heads, 0.5, false}, none{s.heads, 0.0, false};
  const auto attend = [&](const AttentionSettings& settings) {
    return run(s, 3, [&](auto& q, auto& k, auto& v) { return self_attention(q, k, v, {}, settings); }).out;
  };
  EXPECT_TRUE(torch::equal(attend(eval), attend(none)));
  EXPECT_GT((attend(training) - attend(none)).abs().max().item<double>(), 0.1);
}

TEST(AttentionCore, PathFollowsTheLibTorchVersionDeviceDtypeAndMask) {
  const auto q = torch::zeros({2, 5, 8});
  const auto key_mask = torch::zeros({2, 1, 1, 5});
#if TORCH_VERSION_MAJOR >= 2
  EXPECT_EQ(attention_path(q, key_mask), AttentionPath::sdpa);
#else
  EXPECT_EQ(attention_path(q, key_mask), AttentionPath::fused_cpu);
  EXPECT_EQ(attention_path(q, torch::Tensor()), AttentionPath::fused_cpu);
  EXPECT_EQ(attention_path(q.to(torch::kDouble), key_mask), AttentionPath::explicit_ops);
  EXPECT_EQ(attention_path(q, torch::zeros({2, 1, 5, 5})), AttentionPath::explicit_ops);  // a per-query mask
#endif
}

}  // namespace attention_core_test
}  // namespace attune
