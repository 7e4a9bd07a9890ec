#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "models/bert_config.h"
#include "models/dropout.h"
#include "models/linear.h"
#include "models/packed_sequences.h"
#include "models/parameter_count.h"

namespace attune {

/// BERT (Devlin et al. 2019) as HuggingFace's BertModel computes it, built
/// from torch::nn modules whose names are HuggingFace's, so that a hub
/// checkpoint loads by name: embeddings.word_embeddings.weight,
/// encoder.layer.0.attention.self.query.weight, pooler.dense.weight, ...

class BertEmbeddingsImpl : public torch::nn::Module {
 public:
  explicit BertEmbeddingsImpl(const BertConfig& config);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids);
  /// Packed tokens (PackedSequences): [T] ids, token types (or undefined) and
  /// positions -> [T, H].
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids,
                        const torch::Tensor& positions);

  torch::nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr}, token_type_embeddings{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};  // HuggingFace's name
  Dropout dropout{nullptr};

 private:
  /// dropout(LayerNorm(words + types + position_rows)), types 0 where undefined.
  torch::Tensor combine(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids,
                        const torch::Tensor& position_rows);
};
TORCH_MODULE(BertEmbeddings);

class BertSelfAttentionImpl : public torch::nn::Module {
 public:
  explicit BertSelfAttentionImpl(const BertConfig& config);
  /// hidden: [B, L, H] padded or [T, H] packed, as the layout says.
  torch::Tensor forward(const torch::Tensor& hidden, const TokenLayout& layout);

  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr};

 private:
  int64_t heads_;
  Dropout dropout_{nullptr};
};
TORCH_MODULE(BertSelfAttention);

/// dense -> dropout -> LayerNorm(x + residual): BertSelfOutput and BertOutput.
class BertResidualOutputImpl : public torch::nn::Module {
 public:
  BertResidualOutputImpl(int64_t in_features, const BertConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual);

  torch::nn::Linear dense{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};

 private:
  Dropout dropout_{nullptr};
};
TORCH_MODULE(BertResidualOutput);

class BertAttentionImpl : public torch::nn::Module {
 public:
  explicit BertAttentionImpl(const BertConfig& config);
  /// hidden: [B, L, H] padded or [T, H] packed, as the layout says.
  torch::Tensor forward(const torch::Tensor& hidden, const TokenLayout& layout);

  BertSelfAttention self{nullptr};
  BertResidualOutput output{nullptr};
};
TORCH_MODULE(BertAttention);

/// A single Linear called `dense`, as HuggingFace nests them
/// (intermediate.dense, pooler.dense).
class BertDenseImpl : public torch::nn::Module {
 public:
  BertDenseImpl(int64_t in_features, int64_t out_features);
  torch::Tensor forward(const torch::Tensor& x) { return apply_linear(dense, x); }
  torch::nn::Linear dense{nullptr};
};
TORCH_MODULE(BertDense);

class BertLayerImpl : public torch::nn::Module {
 public:
  explicit BertLayerImpl(const BertConfig& config);
  /// hidden: [B, L, H] padded or [T, H] packed, as the layout says.
  torch::Tensor forward(const torch::Tensor& hidden, const TokenLayout& layout);

  BertAttention attention{nullptr};
  BertDense intermediate{nullptr};
  BertResidualOutput output{nullptr};

 private:
  std::string activation_;
};
TORCH_MODULE(BertLayer);

/// `encoder.layer.N`.
class BertEncoderImpl : public torch::nn::Module {
 public:
  explicit BertEncoderImpl(const BertConfig& config);
  /// hidden: [B, L, H] padded or [T, H] packed, as the layout says.
  torch::Tensor forward(torch::Tensor hidden, const TokenLayout& layout);
  torch::nn::ModuleList layer{nullptr};
};
TORCH_MODULE(BertEncoder);

/// The whole BertModel: embeddings, encoder, pooler.
class BertModelImpl : public torch::nn::Module {
 public:
  explicit BertModelImpl(const BertConfig& config);
  /// The parameters the constructor makes, without making them.
  static ParameterCount parameter_count(const BertConfig& config);
  struct Output {
    torch::Tensor last_hidden_state;  // [B, L, H]
    torch::Tensor pooler_output;      // [B, H]
  };
  /// token_type_ids may be undefined (all zeros); attention_mask is 1/0.
  Output forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids,
                 const torch::Tensor& attention_mask);
  /// The same on a batch's real tokens alone (packed where attention_mask
  /// packs, PackedSequences): last_hidden_state is [T, H], the pooler reads
  /// each sequence's first token. Every real token's state is the padded
  /// forward's.
  Output forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids, const PackedSequences& packed);

  const BertConfig& config() const { return config_; }

  BertEmbeddings embeddings{nullptr};
  BertEncoder encoder{nullptr};
  BertDense pooler{nullptr};

 private:
  BertConfig config_;
};
TORCH_MODULE(BertModel);

/// A model holding a BertModel under `bert.` and a `classifier` head, named
/// as HuggingFace's BertForSequenceClassification (`attune export --to hf`).
class BertSequenceClassifier {
 public:
  virtual ~BertSequenceClassifier() = default;
  /// The architecture as the run used it (dropouts included).
  virtual const BertConfig& bert_config() const = 0;
};

/// A BertModel under `prefix` ("bert.") as TorchScript (Model::torchscript):
/// helper `methods` and the `statements` that read input_ids, attention_mask
/// and token_type_ids and leave the pooler output in `pooled`.
struct BertScript {
  std::string methods;
  std::vector<std::string> statements;
};
BertScript bert_script(const BertConfig& config, const std::string& prefix);

/// HuggingFace's activations by config name: `gelu` (exact, erf), `gelu_new`
/// (the tanh approximation as NewGELUActivation writes it), `relu`.
torch::Tensor bert_activation(const std::string& name, const torch::Tensor& x);

}  // namespace attune
