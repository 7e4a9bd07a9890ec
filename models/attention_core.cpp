#include "models/attention_core.h"

#include <ATen/Parallel.h>
#include <torch/autograd.h>
#include <torch/version.h>

#include <cmath>
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

// --- the fused CPU kernel, driven over every (batch, head) pair

/// Where one call's heads are: B x L tokens, each a row of `in_stride`
/// floats (3H for one packed q-k-v tensor, H for three tensors), and the
/// call's dropout draw.
struct Heads {
  int64_t batch, length, hidden, heads;
  int64_t in_stride;
  bool dropout;
  DropoutDraw draw;

  int64_t head_dim() const { return hidden / heads; }
  int64_t area() const { return length * length; }
  kernels::AttentionHead head() const {
    return {length, head_dim(), static_cast<float>(1.0 / std::sqrt(static_cast<double>(head_dim()))), in_stride,
            hidden};
  }
  /// Dropout's multipliers for pair `item`, the elements inverted_dropout
  /// would draw for probs[item] of a [B, heads, L, L] tensor.
  void keep(int64_t item, float* out) const {
    kernels::dropout_noise(draw.seed, draw.threshold, draw.scale, out, item * area(), (item + 1) * area());
  }
};

struct Pointers {
  const float* q;
  const float* k;
  const float* v;
};

void run_forward(const Heads& s, const Pointers& in, const float* mask, float* probs, float* out) {
  const auto head = s.head();
  const int64_t d = s.head_dim(), L = s.length;
  at::parallel_for(0, s.batch * s.heads, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(static_cast<size_t>(d * L + L * L + (s.dropout ? L * L : 0)));
    float* keep = s.dropout ? scratch.data() + d * L + L * L : nullptr;
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / s.heads, h = item % s.heads;
      const int64_t offset = b * L * s.in_stride + h * d;
      if (keep != nullptr) s.keep(item, keep);
      kernels::attention_head_forward(head, in.q + offset, in.k + offset, in.v + offset,
                                      mask != nullptr ? mask + b * L : nullptr, keep, probs + item * s.area(),
                                      out + b * L * s.hidden + h * d, scratch.data());
    }
  });
}

struct GradPointers {
  float* q;
  float* k;
  float* v;
};

void run_backward(const Heads& s, const Pointers& in, const float* probs, const float* grad_out,
                  const GradPointers& grad) {
  const auto head = s.head();
  const int64_t d = s.head_dim(), L = s.length;
  at::parallel_for(0, s.batch * s.heads, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(static_cast<size_t>(d * L + 2 * L * L + (s.dropout ? L * L : 0)));
    float* keep = s.dropout ? scratch.data() + d * L + 2 * L * L : nullptr;
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / s.heads, h = item % s.heads;
      const int64_t offset = b * L * s.in_stride + h * d;
      if (keep != nullptr) s.keep(item, keep);
      kernels::attention_head_backward(head, in.q + offset, in.k + offset, in.v + offset, probs + item * s.area(), keep,
                                       grad_out + b * L * s.hidden + h * d, grad.q + offset, grad.k + offset,
                                       grad.v + offset, scratch.data());
    }
  });
}

Heads heads_of(const torch::Tensor& rows, int64_t hidden, const AttentionSettings& settings) {
  Heads s{rows.size(0), rows.size(1), hidden, settings.num_heads, rows.size(2), false, {}};
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
  ctx->saved_data["dropout"] = s.dropout;
  ctx->saved_data["seed"] = static_cast<int64_t>(s.draw.seed);
  ctx->saved_data["threshold"] = static_cast<int64_t>(s.draw.threshold);
  ctx->saved_data["scale"] = static_cast<double>(s.draw.scale);
}

Heads load_settings(AutogradContext* ctx, const torch::Tensor& rows, int64_t hidden) {
  Heads s{rows.size(0), rows.size(1), hidden, ctx->saved_data["heads"].toInt(), rows.size(2), false, {}};
  s.dropout = ctx->saved_data["dropout"].toBool();
  s.draw = {static_cast<uint64_t>(ctx->saved_data["seed"].toInt()),
            static_cast<uint32_t>(ctx->saved_data["threshold"].toInt()),
            static_cast<float>(ctx->saved_data["scale"].toDouble())};
  return s;
}

/// The forward pass into new tensors: the output [B, L, H] and the softmax
/// probabilities [B, heads, L, L] the backward pass needs.
struct Attended {
  torch::Tensor out, probs;
};
Attended attend(const Heads& s, const Pointers& in, const c10::optional<torch::Tensor>& additive_mask,
                const torch::TensorOptions& options) {
  const auto mask = key_biases(additive_mask, s.batch, s.length);
  Attended a{torch::empty({s.batch, s.length, s.hidden}, options),
             torch::empty({s.batch, s.heads, s.length, s.length}, options)};
  run_forward(s, in, mask.defined() ? mask.data_ptr<float>() : nullptr, a.probs.data_ptr<float>(),
              a.out.data_ptr<float>());
  return a;
}

/// q, k and v in one [B, L, 3H] tensor; one gradient of that shape.
class PackedAttention : public torch::autograd::Function<PackedAttention> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& packed,
                               const c10::optional<torch::Tensor>& additive_mask, AttentionSettings settings) {
    const auto qkv = packed.contiguous();
    const int64_t hidden = qkv.size(2) / 3;
    const Heads s = heads_of(qkv, hidden, settings);
    const float* base = qkv.data_ptr<float>();
    const Attended a = attend(s, {base, base + hidden, base + 2 * hidden}, additive_mask, qkv.options());
    ctx->save_for_backward({qkv, a.probs});
    save_settings(ctx, s);
    return a.out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& qkv = saved[0];
    const int64_t hidden = qkv.size(2) / 3;
    const Heads s = load_settings(ctx, qkv, hidden);
    const auto grad_out = grads[0].contiguous();
    auto grad = torch::empty_like(qkv);
    const float* base = qkv.data_ptr<float>();
    float* grad_base = grad.data_ptr<float>();
    run_backward(s, {base, base + hidden, base + 2 * hidden}, saved[1].data_ptr<float>(), grad_out.data_ptr<float>(),
                 {grad_base, grad_base + hidden, grad_base + 2 * hidden});
    return {grad, torch::Tensor(), torch::Tensor()};
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
    const Heads s = heads_of(q, hidden, settings);
    const Attended a =
        attend(s, {q.data_ptr<float>(), k.data_ptr<float>(), v.data_ptr<float>()}, additive_mask, q.options());
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
    return PackedAttention::apply(qkv, optional_mask(additive_mask), settings);
  }
  return self_attention(qkv.narrow(2, 0, hidden), qkv.narrow(2, hidden, hidden), qkv.narrow(2, 2 * hidden, hidden),
                        additive_mask, settings);
}

}  // namespace attune
