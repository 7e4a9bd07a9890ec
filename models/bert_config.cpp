#include "models/bert_config.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/atomic_file.h"
#include "core/text/suggest.h"

namespace attune {
namespace {

template <class T>
void read(const nlohmann::json& json, const std::string& path, const char* key, T& value) {
  if (!json.contains(key) || json[key].is_null()) return;
  const auto& item = json[key];
  const bool ok = std::is_same_v<T, std::string> ? item.is_string()
                  : std::is_integral_v<T>        ? item.is_number_integer()
                                                 : item.is_number();
  if (!ok) input_error("{}: `{}` has the wrong type ({})", path, key, item.dump());
  value = item.get<T>();
}

}  // namespace

BertConfig BertConfig::from_json_file(const std::string& path) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(read_text_file(path));
  } catch (const nlohmann::json::exception& e) {
    input_error("{}: not valid JSON: {}", path, e.what());
  }
  if (!json.is_object()) input_error("{}: expected a JSON object (a HuggingFace config.json)", path);
  BertConfig c;
  read(json, path, "vocab_size", c.vocab_size);
  read(json, path, "hidden_size", c.hidden_size);
  read(json, path, "num_hidden_layers", c.num_hidden_layers);
  read(json, path, "num_attention_heads", c.num_attention_heads);
  read(json, path, "intermediate_size", c.intermediate_size);
  read(json, path, "hidden_act", c.hidden_act);
  read(json, path, "hidden_dropout_prob", c.hidden_dropout_prob);
  read(json, path, "attention_probs_dropout_prob", c.attention_probs_dropout_prob);
  read(json, path, "max_position_embeddings", c.max_position_embeddings);
  read(json, path, "type_vocab_size", c.type_vocab_size);
  read(json, path, "initializer_range", c.initializer_range);
  read(json, path, "layer_norm_eps", c.layer_norm_eps);
  read(json, path, "pad_token_id", c.pad_token_id);
  read(json, path, "classifier_dropout", c.classifier_dropout);

  const std::vector<std::string> activations = {"gelu", "gelu_new", "relu"};
  if (std::find(activations.begin(), activations.end(), c.hidden_act) == activations.end()) {
    input_error("{}: hidden_act `{}` is not supported{}; attune's BERT has {}", path, c.hidden_act,
                did_you_mean(c.hidden_act, activations), quoted_list(activations));
  }
  std::string position_type = "absolute";
  read(json, path, "position_embedding_type", position_type);
  if (position_type != "absolute") {
    input_error("{}: position_embedding_type `{}` is not supported (only `absolute`)", path, position_type);
  }
  auto positive = [&](const char* key, int64_t value) {
    if (value <= 0 || value > (int64_t{1} << 24))
      input_error("{}: `{}` must be a positive size, got {}", path, key, value);
  };
  positive("vocab_size", c.vocab_size);
  positive("hidden_size", c.hidden_size);
  positive("num_hidden_layers", c.num_hidden_layers);
  positive("num_attention_heads", c.num_attention_heads);
  positive("intermediate_size", c.intermediate_size);
  positive("max_position_embeddings", c.max_position_embeddings);
  positive("type_vocab_size", c.type_vocab_size);
  if (c.hidden_size % c.num_attention_heads != 0) {
    input_error("{}: hidden_size {} is not divisible by num_attention_heads {}", path, c.hidden_size,
                c.num_attention_heads);
  }
  if (c.pad_token_id < 0 || c.pad_token_id >= c.vocab_size) {
    input_error("{}: pad_token_id {} is outside the vocabulary of {}", path, c.pad_token_id, c.vocab_size);
  }
  for (double p : {c.hidden_dropout_prob, c.attention_probs_dropout_prob}) {
    if (p < 0 || p >= 1) input_error("{}: dropout probabilities must be in [0, 1), got {}", path, p);
  }
  if (!(c.layer_norm_eps > 0)) input_error("{}: layer_norm_eps must be > 0", path);
  return c;
}

nlohmann::ordered_json BertConfig::to_json() const {
  nlohmann::ordered_json json;
  json["model_type"] = "bert";
  json["vocab_size"] = vocab_size;
  json["hidden_size"] = hidden_size;
  json["num_hidden_layers"] = num_hidden_layers;
  json["num_attention_heads"] = num_attention_heads;
  json["intermediate_size"] = intermediate_size;
  json["hidden_act"] = hidden_act;
  json["hidden_dropout_prob"] = hidden_dropout_prob;
  json["attention_probs_dropout_prob"] = attention_probs_dropout_prob;
  json["max_position_embeddings"] = max_position_embeddings;
  json["type_vocab_size"] = type_vocab_size;
  json["initializer_range"] = initializer_range;
  json["layer_norm_eps"] = layer_norm_eps;
  json["pad_token_id"] = pad_token_id;
  json["position_embedding_type"] = "absolute";
  json["use_cache"] = true;
  json["classifier_dropout"] = classifier_dropout >= 0 ? nlohmann::ordered_json(classifier_dropout) : nullptr;
  return json;
}

}  // namespace attune
