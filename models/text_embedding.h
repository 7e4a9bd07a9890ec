#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/normalization.h>

#include "models/dropout.h"
#include "models/parameter_count.h"

namespace attune {

/// Token plus learned absolute position embeddings, optionally LayerNorm'd
/// (as BERT does before post-norm layers), then dropout.
class TextEmbeddingImpl : public torch::nn::Module {
 public:
  TextEmbeddingImpl(int64_t vocab_size, int64_t max_length, int64_t hidden_dim, int64_t pad_id, bool with_norm,
                    double layer_norm_eps, double dropout);
  /// The parameters the constructor makes, without making them.
  static ParameterCount parameter_count(int64_t vocab_size, int64_t max_length, int64_t hidden_dim, bool with_norm);
  /// ids: [B, L] -> [B, L, H]
  torch::Tensor forward(const torch::Tensor& ids);
  /// Packed tokens (PackedSequences): ids and their positions, [T] -> [T, H].
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& positions);

  torch::nn::Embedding tokens{nullptr}, positions{nullptr};
  torch::nn::LayerNorm norm{nullptr};

 private:
  torch::Tensor finish(torch::Tensor x);

  Dropout dropout_{nullptr};
};
TORCH_MODULE(TextEmbedding);

}  // namespace attune
