#include "models/text_embedding.h"

#include "core/error.h"

namespace attune {

TextEmbeddingImpl::TextEmbeddingImpl(int64_t vocab_size, int64_t max_length, int64_t hidden_dim, int64_t pad_id,
                                     bool with_norm, double layer_norm_eps, double dropout) {
  tokens = register_module(
      "tokens", torch::nn::Embedding(torch::nn::EmbeddingOptions(vocab_size, hidden_dim).padding_idx(pad_id)));
  positions = register_module("positions", torch::nn::Embedding(max_length, hidden_dim));
  if (with_norm) {
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden_dim}).eps(layer_norm_eps)));
  }
  dropout_ = register_module("dropout", Dropout(dropout));
}

ParameterCount TextEmbeddingImpl::parameter_count(int64_t vocab_size, int64_t max_length, int64_t hidden_dim,
                                                  bool with_norm) {
  return embedding_parameters(vocab_size, hidden_dim) + embedding_parameters(max_length, hidden_dim) +
         (with_norm ? layer_norm_parameters(hidden_dim) : ParameterCount(0));
}

torch::Tensor TextEmbeddingImpl::forward(const torch::Tensor& ids) {
  const int64_t length = ids.size(1);
  if (length > positions->weight.size(0)) {
    input_error("a sequence of {} tokens is longer than the model's {} positions", length, positions->weight.size(0));
  }
  return finish(tokens(ids) + positions->weight.narrow(0, 0, length).unsqueeze(0));
}

torch::Tensor TextEmbeddingImpl::forward(const torch::Tensor& ids, const torch::Tensor& token_positions) {
  return finish(tokens(ids) + positions->weight.index_select(0, token_positions));
}

torch::Tensor TextEmbeddingImpl::finish(torch::Tensor x) {
  if (norm) x = norm(x);
  return dropout_(x);
}

}  // namespace attune
