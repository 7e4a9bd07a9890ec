#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace attune {

/// A HuggingFace BertConfig: the architecture of a BERT checkpoint.
struct BertConfig {
  int64_t vocab_size = 30522;
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  std::string hidden_act = "gelu";
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  double initializer_range = 0.02;
  double layer_norm_eps = 1e-12;
  int64_t pad_token_id = 0;
  double classifier_dropout = -1;  // < 0: hidden_dropout_prob, as HuggingFace's null

  /// Reads config.json as transformers writes it; defaults for absent keys are
  /// BertConfig's. An InputError names the file and key for a wrong type, a
  /// value out of range, or an unsupported hidden_act / position_embedding_type.
  static BertConfig from_json_file(const std::string& path);
  /// Every BertConfig field as transformers writes config.json (model_type
  /// `bert`, position_embedding_type `absolute`, classifier_dropout null when unset).
  nlohmann::ordered_json to_json() const;
};

}  // namespace attune
