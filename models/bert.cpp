#include "models/bert.h"

#include <cmath>

#include "core/error.h"
#include "models/attention.h"
#include "models/attention_core.h"
#include "models/linear.h"
#include "models/torchscript_source.h"

namespace attune {

torch::Tensor bert_activation(const std::string& name, const torch::Tensor& x) {
  if (name == "relu") return torch::relu(x);
  if (name == "gelu_new") {
    return 0.5 * x * (1.0 + torch::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * torch::pow(x, 3.0))));
  }
  return torch::gelu(x);
}

BertEmbeddingsImpl::BertEmbeddingsImpl(const BertConfig& c) {
  word_embeddings = register_module(
      "word_embeddings",
      torch::nn::Embedding(torch::nn::EmbeddingOptions(c.vocab_size, c.hidden_size).padding_idx(c.pad_token_id)));
  position_embeddings =
      register_module("position_embeddings", torch::nn::Embedding(c.max_position_embeddings, c.hidden_size));
  token_type_embeddings =
      register_module("token_type_embeddings", torch::nn::Embedding(c.type_vocab_size, c.hidden_size));
  LayerNorm = register_module("LayerNorm",
                              torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
  dropout = register_module("dropout", Dropout(c.hidden_dropout_prob));
}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids) {
  const int64_t length = input_ids.size(1);
  if (length > position_embeddings->weight.size(0)) {
    input_error("a sequence of {} tokens is longer than the model's {} positions (max_position_embeddings)", length,
                position_embeddings->weight.size(0));
  }
  return combine(input_ids, token_type_ids, position_embeddings->weight.narrow(0, 0, length).unsqueeze(0));
}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids,
                                          const torch::Tensor& positions) {
  return combine(input_ids, token_type_ids, position_embeddings->weight.index_select(0, positions));
}

torch::Tensor BertEmbeddingsImpl::combine(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids,
                                          const torch::Tensor& position_rows) {
  const auto types = token_type_ids.defined() ? token_type_ids : torch::zeros_like(input_ids);
  return dropout(LayerNorm(word_embeddings(input_ids) + token_type_embeddings(types) + position_rows));
}

BertSelfAttentionImpl::BertSelfAttentionImpl(const BertConfig& c) : heads_(c.num_attention_heads) {
  query = register_module("query", torch::nn::Linear(c.hidden_size, c.hidden_size));
  key = register_module("key", torch::nn::Linear(c.hidden_size, c.hidden_size));
  value = register_module("value", torch::nn::Linear(c.hidden_size, c.hidden_size));
  dropout_ = register_module("dropout", Dropout(c.attention_probs_dropout_prob));
}

torch::Tensor BertSelfAttentionImpl::forward(const torch::Tensor& hidden, const TokenLayout& layout) {
  const auto q = apply_linear(query, hidden), k = apply_linear(key, hidden), v = apply_linear(value, hidden);
  const AttentionSettings settings{heads_, dropout_->p, is_training()};
  if (layout.is_packed()) return varlen_self_attention(torch::cat({q, k, v}, -1), layout.lengths, settings);
  return self_attention(q, k, v, layout.additive_mask, settings);
}

BertResidualOutputImpl::BertResidualOutputImpl(int64_t in_features, const BertConfig& c) {
  dense = register_module("dense", torch::nn::Linear(in_features, c.hidden_size));
  LayerNorm = register_module("LayerNorm",
                              torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
  dropout_ = register_module("dropout", Dropout(c.hidden_dropout_prob));
}

torch::Tensor BertResidualOutputImpl::forward(const torch::Tensor& x, const torch::Tensor& residual) {
  return LayerNorm(dropout_(apply_linear(dense, x)) + residual);
}

BertAttentionImpl::BertAttentionImpl(const BertConfig& c) {
  self = register_module("self", BertSelfAttention(c));
  output = register_module("output", BertResidualOutput(c.hidden_size, c));
}

torch::Tensor BertAttentionImpl::forward(const torch::Tensor& hidden, const TokenLayout& layout) {
  return output(self(hidden, layout), hidden);
}

BertDenseImpl::BertDenseImpl(int64_t in_features, int64_t out_features) {
  dense = register_module("dense", torch::nn::Linear(in_features, out_features));
}

BertLayerImpl::BertLayerImpl(const BertConfig& c) : activation_(c.hidden_act) {
  attention = register_module("attention", BertAttention(c));
  intermediate = register_module("intermediate", BertDense(c.hidden_size, c.intermediate_size));
  output = register_module("output", BertResidualOutput(c.intermediate_size, c));
}

torch::Tensor BertLayerImpl::forward(const torch::Tensor& hidden, const TokenLayout& layout) {
  auto attended = attention(hidden, layout);
  return output(bert_activation(activation_, intermediate(attended)), attended);
}

BertEncoderImpl::BertEncoderImpl(const BertConfig& c) {
  layer = register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layer->push_back(BertLayer(c));
}

torch::Tensor BertEncoderImpl::forward(torch::Tensor hidden, const TokenLayout& layout) {
  for (const auto& module : *layer) hidden = module->as<BertLayerImpl>()->forward(hidden, layout);
  return hidden;
}

BertModelImpl::BertModelImpl(const BertConfig& c) : config_(c) {
  embeddings = register_module("embeddings", BertEmbeddings(c));
  encoder = register_module("encoder", BertEncoder(c));
  pooler = register_module("pooler", BertDense(c.hidden_size, c.hidden_size));
}

ParameterCount BertModelImpl::parameter_count(const BertConfig& c) {
  const int64_t h = c.hidden_size;
  const ParameterCount embeddings = embedding_parameters(c.vocab_size, h) +
                                    embedding_parameters(c.max_position_embeddings, h) +
                                    embedding_parameters(c.type_vocab_size, h) + layer_norm_parameters(h);
  // query, key, value and attention.output.dense; intermediate.dense and
  // output.dense; the attention's and the output's LayerNorm.
  const ParameterCount layer = linear_parameters(h, h) * 4 + linear_parameters(h, c.intermediate_size) +
                               linear_parameters(c.intermediate_size, h) + layer_norm_parameters(h) * 2;
  return embeddings + layer * c.num_hidden_layers + linear_parameters(h, h);  // + pooler.dense
}

BertModelImpl::Output BertModelImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids,
                                             const torch::Tensor& attention_mask) {
  auto hidden = embeddings->forward(input_ids, token_type_ids);
  const auto mask = attention_mask.defined() ? attention_mask : torch::ones_like(input_ids);
  hidden = encoder(hidden, additive_padding_mask(mask, hidden.scalar_type()));
  return {hidden, torch::tanh(pooler(hidden.select(1, 0)))};
}

BertModelImpl::Output BertModelImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids,
                                             const PackedSequences& packed) {
  auto hidden =
      embeddings->forward(packed.pack(input_ids),
                          token_type_ids.defined() ? packed.pack(token_type_ids) : torch::Tensor(), packed.positions());
  hidden = encoder(hidden, packed.layout());
  return {hidden, torch::tanh(pooler(packed.first(hidden)))};
}

BertScript bert_script(const BertConfig& c, const std::string& prefix) {
  using script::number;
  const int64_t head_size = c.hidden_size / c.num_attention_heads;
  const std::string norm = fmt::format("[{}]", c.hidden_size), eps = number(c.layer_norm_eps);
  std::string activation = "torch.gelu(x)";
  if (c.hidden_act == "relu") activation = "torch.relu(x)";
  if (c.hidden_act == "gelu_new") {
    activation =
        "0.5 * x * (1.0 + torch.tanh(" + number(std::sqrt(2.0 / M_PI)) + " * (x + 0.044715 * torch.pow(x, 3.0))))";
  }
  BertScript result;
  result.methods += script::method("split_heads(self, x: Tensor) -> Tensor",
                                   {fmt::format("return x.view(x.size(0), x.size(1), {}, {}).permute(0, 2, 1, 3)",
                                                c.num_attention_heads, head_size)});
  result.methods += script::method("bert_activation(self, x: Tensor) -> Tensor", {"return " + activation});
  result.methods += script::method(
      "bert_layer(self, h: Tensor, mask: Tensor, qw: Tensor, qb: Tensor, kw: Tensor, kb: Tensor, vw: Tensor, "
      "vb: Tensor, aw: Tensor, ab: Tensor, an_w: Tensor, an_b: Tensor, iw: Tensor, ib: Tensor, ow: Tensor, "
      "ob: Tensor, on_w: Tensor, on_b: Tensor) -> Tensor",
      {"q = self.split_heads(torch.linear(h, qw, qb))", "k = self.split_heads(torch.linear(h, kw, kb))",
       "v = self.split_heads(torch.linear(h, vw, vb))",
       "scores = torch.matmul(q, k.transpose(-1, -2)) / " + number(std::sqrt(static_cast<double>(head_size))),
       "scores = scores + mask", "probs = torch.softmax(scores, -1)",
       "context = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()",
       fmt::format("context = context.view(context.size(0), context.size(1), {})", c.num_attention_heads * head_size),
       fmt::format("attended = torch.layer_norm(torch.linear(context, aw, ab) + h, {}, an_w, an_b, {})", norm, eps),
       "inner = self.bert_activation(torch.linear(attended, iw, ib))",
       fmt::format("return torch.layer_norm(torch.linear(inner, ow, ob) + attended, {}, on_w, on_b, {})", norm, eps)});
  const std::string e = prefix + "embeddings.";
  result.statements = {
      fmt::format("x = torch.embedding({}, input_ids, {}, False, False) + torch.embedding({}, token_type_ids, -1, "
                  "False, False) + {}.narrow(0, 0, input_ids.size(1)).unsqueeze(0)",
                  script::attribute(e + "word_embeddings.weight"), c.pad_token_id,
                  script::attribute(e + "token_type_embeddings.weight"),
                  script::attribute(e + "position_embeddings.weight")),
      fmt::format("x = torch.layer_norm(x, {}, {}, {})", norm,
                  script::attributes(e, {"LayerNorm.weight", "LayerNorm.bias"}), eps),
      "mask = (1.0 - attention_mask.type_as(x).unsqueeze(1).unsqueeze(2)) * " +
          number(std::numeric_limits<float>::lowest())};
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    result.statements.push_back(
        "x = self.bert_layer(x, mask, " +
        script::attributes(
            fmt::format("{}encoder.layer.{}.", prefix, i),
            {"attention.self.query.weight", "attention.self.query.bias", "attention.self.key.weight",
             "attention.self.key.bias", "attention.self.value.weight", "attention.self.value.bias",
             "attention.output.dense.weight", "attention.output.dense.bias", "attention.output.LayerNorm.weight",
             "attention.output.LayerNorm.bias", "intermediate.dense.weight", "intermediate.dense.bias",
             "output.dense.weight", "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias"}) +
        ")");
  }
  result.statements.push_back(fmt::format("pooled = torch.tanh(torch.linear(x.select(1, 0), {}))",
                                          script::attributes(prefix + "pooler.dense.", {"weight", "bias"})));
  return result;
}

}  // namespace attune
