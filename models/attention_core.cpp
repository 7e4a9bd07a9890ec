#include "models/attention_core.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <torch/autograd.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "core/kernels/cpu_kernels.h"
#include "models/dropout.h"

namespace attune {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// [B, L, H] -> [B, heads, L, d], a view.
torch::Tensor split_heads(const torch::Tensor& x, int64_t heads) {
  return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).permute({0, 2, 1, 3});
}

/// [B, heads, L, d] -> [B, L, H], contiguous.
torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.permute({0, 2, 1, 3}).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

// --- the fused CPU kernel, driven over every (sequence, head) pair

/// A key whose additive bias is at or below this is padding: the softmax
/// weight of (score + bias) is then exactly zero in float next to any key
/// above it (the biases differ by at least float's spacing near 1e30, about
/// 7e22, against exp's range of about 100), as additive_padding_mask's
/// lowest float is.
constexpr float kPaddedKey = -1e30f;

/// For each of `batch` sequences of `length` keys, how many leading keys can
/// carry weight: up to the last key that is not padding (all of them where
/// every key is padding, as the softmax then spreads over all).
std::vector<int64_t> weighted_keys(const float* mask, int64_t batch, int64_t length) {
  std::vector<int64_t> keys(static_cast<size_t>(batch), length);
  if (mask == nullptr) return keys;
  for (int64_t b = 0; b < batch; ++b) {
    int64_t n = length;
    while (n > 0 && mask[b * length + n - 1] <= kPaddedKey) --n;
    keys[static_cast<size_t>(b)] = n > 0 ? n : length;
  }
  return keys;
}

/// Where one call's heads are: sequences one after another, each token a row
/// of `in_stride` floats (3H for one packed q-k-v tensor, H for three
/// tensors) and an output row of `hidden`; the call's dropout draw. Padded
/// [B, L] batches are B sequences of L tokens; packed ones have their own
/// lengths. Sequence b's heads' probabilities follow those of the sequences
/// before it, [heads, length, length] each (so [B, heads, L, L] when padded).
struct Heads {
  int64_t hidden, heads, in_stride;
  std::vector<int64_t> lengths;  ///< per sequence, its tokens
  std::vector<int64_t> keys;     ///< per sequence, the leading keys that can carry weight (weighted_keys)
  bool dropout = false;
  DropoutDraw draw{};

  int64_t head_dim() const { return hidden / heads; }
  int64_t sequences() const { return static_cast<int64_t>(lengths.size()); }
  int64_t probs_size() const {
    int64_t size = 0;
    for (const int64_t n : lengths) size += heads * n * n;
    return size;
  }
};

/// One sequence's place in a call: its first token's row, its tokens, the
/// keys that carry weight, the offset of its heads' probabilities.
struct Span {
  int64_t start, length, keys, probs;
};
std::vector<Span> spans_of(const Heads& s) {
  std::vector<Span> spans;
  int64_t start = 0, probs = 0;
  for (size_t b = 0; b < s.lengths.size(); ++b) {
    const int64_t n = s.lengths[b];
    spans.push_back({start, n, s.keys[b], probs});
    start += n;
    probs += s.heads * n * n;
  }
  return spans;
}

/// What the kernels need of one (sequence, head) pair.
struct Pair {
  kernels::AttentionHead head;
  int64_t in, out, probs;  ///< offsets of its first q (k, v) entry, output entry, probability
};
Pair pair_of(const Heads& s, const Span& span, int64_t h) {
  const int64_t d = s.head_dim();
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  return {{span.length, span.keys, d, scale, s.in_stride, s.hidden},
          span.start * s.in_stride + h * d,
          span.start * s.hidden + h * d,
          span.probs + h * span.length * span.length};
}

/// Dropout's multipliers for a pair's first `keys` columns: the elements
/// inverted_dropout would draw for its probabilities, as laid out above.
void draw_keep(const Heads& s, const Pair& pair, float* out) {
  const int64_t L = pair.head.length;
  for (int64_t i = 0; i < L; ++i) {
    const int64_t row = pair.probs + i * L;
    kernels::dropout_noise(s.draw.seed, s.draw.threshold, s.draw.scale, out + i * L, row, row + pair.head.keys);
  }
}

/// Runs body(span, pair, scratch, keep) over every (sequence, head) pair, across
/// LibTorch's threads, each with its own scratch for the longest sequence.
template <class Body>
void for_each_pair(const Heads& s, Body body) {
  if (s.lengths.empty()) return;
  const auto spans = spans_of(s);
  const int64_t longest = *std::max_element(s.lengths.begin(), s.lengths.end());
  const int64_t work = kernels::attention_scratch_floats(longest, s.head_dim());
  at::parallel_for(0, s.sequences() * s.heads, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(static_cast<size_t>(work + (s.dropout ? longest * longest : 0)));
    float* keep = s.dropout ? scratch.data() + work : nullptr;
    for (int64_t item = begin; item < end; ++item) {
      const Span& span = spans[static_cast<size_t>(item / s.heads)];
      const Pair pair = pair_of(s, span, item % s.heads);
      if (keep != nullptr) draw_keep(s, pair, keep);
      body(span, pair, scratch.data(), keep);
    }
  });
}

struct Pointers {
  const float* q;
  const float* k;
  const float* v;
};

/// mask: per padded sequence, its `length` key biases, or null.
void run_forward(const Heads& s, const Pointers& in, const float* mask, float* probs, float* out) {
  for_each_pair(s, [&](const Span& span, const Pair& pair, float* scratch, const float* keep) {
    kernels::attention_head_forward(pair.head, in.q + pair.in, in.k + pair.in, in.v + pair.in,
                                    mask != nullptr ? mask + span.start : nullptr, keep, probs + pair.probs,
                                    out + pair.out, scratch);
  });
}

struct GradPointers {
  float* q;
  float* k;
  float* v;
};

void run_backward(const Heads& s, const Pointers& in, const float* probs, const float* grad_out,
                  const GradPointers& grad) {
  for_each_pair(s, [&](const Span&, const Pair& pair, float* scratch, const float* keep) {
    kernels::attention_head_backward(pair.head, in.q + pair.in, in.k + pair.in, in.v + pair.in, probs + pair.probs,
                                     keep, grad_out + pair.out, grad.q + pair.in, grad.k + pair.in, grad.v + pair.in,
                                     scratch);
  });
}

/// The heads of a padded [B, L, in_stride] input (keys set by attend), or of
/// packed [T, in_stride] rows of sequences of these lengths.
Heads heads_of(const torch::Tensor& rows, int64_t hidden, const AttentionSettings& settings,
               std::vector<int64_t> lengths = {}) {
  Heads s{hidden, settings.num_heads, rows.size(-1), std::move(lengths), {}};
  if (s.lengths.empty()) s.lengths.assign(static_cast<size_t>(rows.size(0)), rows.size(1));
  s.keys = s.lengths;
  if (settings.training && settings.dropout > 0) {
    s.dropout = true;
    s.draw = draw_dropout(settings.dropout);
  }
  return s;
}

torch::Tensor key_biases(const c10::optional<torch::Tensor>& additive_mask, int64_t batch, int64_t length) {
  return additive_mask ? additive_mask->reshape({batch, length}).contiguous() : torch::Tensor();
}

/// The mask as the Functions take it: an undefined tensor cannot be an
/// autograd input, an absent optional can.
c10::optional<torch::Tensor> optional_mask(const torch::Tensor& additive_mask) {
  return additive_mask.defined() ? c10::optional<torch::Tensor>(additive_mask) : c10::nullopt;
}

void save_settings(AutogradContext* ctx, const Heads& s) {
  ctx->saved_data["heads"] = s.heads;
  ctx->saved_data["lengths"] = s.lengths;
  ctx->saved_data["keys"] = s.keys;
  ctx->saved_data["dropout"] = s.dropout;
  ctx->saved_data["seed"] = static_cast<int64_t>(s.draw.seed);
  ctx->saved_data["threshold"] = static_cast<int64_t>(s.draw.threshold);
  ctx->saved_data["scale"] = static_cast<double>(s.draw.scale);
}

Heads load_settings(AutogradContext* ctx, const torch::Tensor& rows, int64_t hidden) {
  Heads s{hidden, ctx->saved_data["heads"].toInt(), rows.size(-1), ctx->saved_data["lengths"].toIntVector(),
          ctx->saved_data["keys"].toIntVector()};
  s.dropout = ctx->saved_data["dropout"].toBool();
  s.draw = {static_cast<uint64_t>(ctx->saved_data["seed"].toInt()),
            static_cast<uint32_t>(ctx->saved_data["threshold"].toInt()),
            static_cast<float>(ctx->saved_data["scale"].toDouble())};
  return s;
}

/// The forward pass into new tensors: the output (the input's rows, `hidden`
/// wide) and the softmax probabilities the backward pass needs. A padded
/// input's mask sets s.keys.
struct Attended {
  torch::Tensor out, probs;
};
Attended attend(Heads& s, const torch::Tensor& rows, const Pointers& in,
                const c10::optional<torch::Tensor>& additive_mask) {
  const int64_t batch = s.sequences(), length = batch > 0 ? s.lengths.front() : 0;
  const auto mask = key_biases(additive_mask, batch, length);
  const float* biases = mask.defined() ? mask.data_ptr<float>() : nullptr;
  if (biases != nullptr) s.keys = weighted_keys(biases, batch, length);
  auto shape = rows.sizes().vec();
  shape.back() = s.hidden;
  Attended a{torch::empty(shape, rows.options()), torch::empty({s.probs_size()}, rows.options())};
  run_forward(s, in, biases, a.probs.data_ptr<float>(), a.out.data_ptr<float>());
  return a;
}

/// q, k and v in one [B, L, 3H] tensor (padded sequences; `lengths` empty)
/// or [T, 3H] (sequences of these lengths one after another); one gradient
/// of that shape.
class PackedAttention : public torch::autograd::Function<PackedAttention> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& packed,
                               const c10::optional<torch::Tensor>& additive_mask, AttentionSettings settings,
                               std::vector<int64_t> lengths) {
    const auto qkv = packed.contiguous();
    const int64_t hidden = qkv.size(-1) / 3;
    Heads s = heads_of(qkv, hidden, settings, std::move(lengths));
    const float* base = qkv.data_ptr<float>();
    const Attended a = attend(s, qkv, {base, base + hidden, base + 2 * hidden}, additive_mask);
    ctx->save_for_backward({qkv, a.probs});
    save_settings(ctx, s);
    return a.out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& qkv = saved[0];
    const int64_t hidden = qkv.size(-1) / 3;
    const Heads s = load_settings(ctx, qkv, hidden);
    const auto grad_out = grads[0].contiguous();
    auto grad = torch::empty_like(qkv);
    const float* base = qkv.data_ptr<float>();
    float* grad_base = grad.data_ptr<float>();
    run_backward(s, {base, base + hidden, base + 2 * hidden}, saved[1].data_ptr<float>(), grad_out.data_ptr<float>(),
                 {grad_base, grad_base + hidden, grad_base + 2 * hidden});
    return {grad, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

/// q, k and v as three [B, L, H] tensors; three gradients.
class SeparateAttention : public torch::autograd::Function<SeparateAttention> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& query, const torch::Tensor& key,
                               const torch::Tensor& value, const c10::optional<torch::Tensor>& additive_mask,
                               AttentionSettings settings) {
    const auto q = query.contiguous(), k = key.contiguous(), v = value.contiguous();
    const int64_t hidden = q.size(2);
    Heads s = heads_of(q, hidden, settings);
    const Attended a = attend(s, q, {q.data_ptr<float>(), k.data_ptr<float>(), v.data_ptr<float>()}, additive_mask);
    ctx->save_for_backward({q, k, v, a.probs});
    save_settings(ctx, s);
    return a.out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2];
    const Heads s = load_settings(ctx, q, q.size(2));
    const auto grad_out = grads[0].contiguous();
    auto grad_q = torch::empty_like(q), grad_k = torch::empty_like(k), grad_v = torch::empty_like(v);
    run_backward(s, {q.data_ptr<float>(), k.data_ptr<float>(), v.data_ptr<float>()}, saved[3].data_ptr<float>(),
                 grad_out.data_ptr<float>(),
                 {grad_q.data_ptr<float>(), grad_k.data_ptr<float>(), grad_v.data_ptr<float>()});
    return {grad_q, grad_k, grad_v, torch::Tensor(), torch::Tensor()};
  }
};

#if TORCH_VERSION_MAJOR >= 2
torch::Tensor sdpa(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                   const torch::Tensor& additive_mask, const AttentionSettings& settings) {
  c10::optional<torch::Tensor> mask;
  // A float mask must have the query's dtype (under autocast q is half).
  if (additive_mask.defined()) mask = additive_mask.to(q.scalar_type());
  const auto h = settings.num_heads;
  return merge_heads(at::scaled_dot_product_attention(split_heads(q, h), split_heads(k, h), split_heads(v, h), mask,
                                                      settings.training ? settings.dropout : 0.0));
}
#endif

}  // namespace

AttentionPath attention_path(const torch::Tensor& q, const torch::Tensor& additive_mask) {
#if TORCH_VERSION_MAJOR >= 2
  (void)q;
  (void)additive_mask;
  return AttentionPath::sdpa;
#else
  const bool key_mask =
      !additive_mask.defined() ||
      (additive_mask.scalar_type() == torch::kFloat && additive_mask.device().is_cpu() &&
       !additive_mask.requires_grad() && additive_mask.dim() == 4 && additive_mask.size(0) == q.size(0) &&
       additive_mask.size(1) == 1 && additive_mask.size(2) == 1 && additive_mask.size(3) == q.size(1));
  return q.device().is_cpu() && q.scalar_type() == torch::kFloat && key_mask ? AttentionPath::fused_cpu
                                                                             : AttentionPath::explicit_ops;
#endif
}

torch::Tensor explicit_self_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                      const torch::Tensor& additive_mask, const AttentionSettings& settings) {
  const auto h = settings.num_heads;
  const double head_dim = static_cast<double>(q.size(2) / h);
  auto scores = torch::matmul(split_heads(q, h), split_heads(k, h).transpose(-1, -2)) / std::sqrt(head_dim);
  if (additive_mask.defined()) scores = scores + additive_mask;
  auto weights = inverted_dropout(torch::softmax(scores, -1), settings.dropout, settings.training);
  return merge_heads(torch::matmul(weights, split_heads(v, h)));
}

namespace {

/// attention_path, and the explicit operations for dropout p = 1 in training
/// (torch::dropout's zeros).
AttentionPath path_for(const torch::Tensor& q, const torch::Tensor& additive_mask, const AttentionSettings& settings) {
  return settings.training && settings.dropout >= 1 ? AttentionPath::explicit_ops : attention_path(q, additive_mask);
}

}  // namespace

torch::Tensor self_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const torch::Tensor& additive_mask, const AttentionSettings& settings) {
  switch (path_for(q, additive_mask, settings)) {
#if TORCH_VERSION_MAJOR >= 2
    case AttentionPath::sdpa:
      return sdpa(q, k, v, additive_mask, settings);
#endif
    case AttentionPath::fused_cpu:
      return SeparateAttention::apply(q, k, v, optional_mask(additive_mask), settings);
    default:
      return explicit_self_attention(q, k, v, additive_mask, settings);
  }
}

torch::Tensor packed_self_attention(const torch::Tensor& qkv, const torch::Tensor& additive_mask,
                                    const AttentionSettings& settings) {
  const int64_t hidden = qkv.size(2) / 3;
  if (path_for(qkv, additive_mask, settings) == AttentionPath::fused_cpu) {
    return PackedAttention::apply(qkv, optional_mask(additive_mask), settings, std::vector<int64_t>{});
  }
  return self_attention(qkv.narrow(2, 0, hidden), qkv.narrow(2, hidden, hidden), qkv.narrow(2, 2 * hidden, hidden),
                        additive_mask, settings);
}

bool packs_sequences(const torch::Tensor& x) {
#if TORCH_VERSION_MAJOR >= 2
  (void)x;
  return false;
#else
  // Under CPU autocast the projections come out in bfloat16, which the fused kernel does not take.
  return !at::autocast::is_cpu_enabled() && attention_path(x, torch::Tensor()) == AttentionPath::fused_cpu;
#endif
}

torch::Tensor varlen_self_attention(const torch::Tensor& qkv, const std::vector<int64_t>& lengths,
                                    const AttentionSettings& settings) {
  TORCH_CHECK(packs_sequences(qkv) && qkv.dim() == 2 && qkv.size(1) % 3 == 0, "varlen_self_attention takes [T, 3H] ",
              "float32 rows on the CPU (LibTorch 1.13); got ", qkv.sizes(), " ", qkv.dtype(), " on ", qkv.device());
  TORCH_CHECK(!(settings.training && settings.dropout >= 1), "varlen_self_attention: dropout must be below 1");
  TORCH_CHECK(std::accumulate(lengths.begin(), lengths.end(), int64_t{0}) == qkv.size(0) &&
                  std::all_of(lengths.begin(), lengths.end(), [](int64_t n) { return n > 0; }),
              "varlen_self_attention: the lengths must be positive and sum to the ", qkv.size(0), " rows");
  return PackedAttention::apply(qkv, c10::nullopt, settings, lengths);
}

}  // namespace attune
