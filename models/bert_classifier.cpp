// `bert_classifier`: BERT with a classification head on the pooled [CLS]
// (HuggingFace's BertForSequenceClassification), built from a HuggingFace
// folder's config.json and initialised from its weights.
#include <filesystem>

#include "models/bert.h"
#include "models/bert_weights.h"
#include "models/model.h"
#include "models/torchscript_source.h"

namespace attune {
namespace {

struct BertClassifierOptions {
  std::string pretrained;
  int64_t num_labels = 0;
  std::optional<double> hidden_dropout_prob;
  std::optional<double> attention_probs_dropout_prob;
  std::optional<double> classifier_dropout;
  bool pack_sequences = true;
  static void declare(config::Schema<BertClassifierOptions>& s) {
    using O = BertClassifierOptions;
    s.field("pretrained", &O::pretrained,
            "HuggingFace model folder: config.json, and model.safetensors or pytorch_model.bin")
        .required()
        .path(config::PathKind::existing_directory);
    s.field("num_labels", &O::num_labels, "classes of the head; 0 = the data's").at_least(0);
    s.field("hidden_dropout_prob", &O::hidden_dropout_prob, "overrides config.json's").at_least(0).less_than(1);
    s.field("attention_probs_dropout_prob", &O::attention_probs_dropout_prob, "overrides config.json's")
        .at_least(0)
        .less_than(1);
    s.field("classifier_dropout", &O::classifier_dropout, "dropout before the head; null = config.json's")
        .at_least(0)
        .less_than(1);
    s.field("pack_sequences", &O::pack_sequences, kPackSequencesHelp);
  }
};

BertConfig load_config(const BertClassifierOptions& o) {
  const std::string path = (std::filesystem::path(o.pretrained) / "config.json").string();
  if (!std::filesystem::exists(path)) input_error("{}: model.pretrained needs a config.json here", o.pretrained);
  BertConfig config = BertConfig::from_json_file(path);
  if (o.hidden_dropout_prob) config.hidden_dropout_prob = *o.hidden_dropout_prob;
  if (o.attention_probs_dropout_prob) config.attention_probs_dropout_prob = *o.attention_probs_dropout_prob;
  if (o.classifier_dropout) config.classifier_dropout = *o.classifier_dropout;
  return config;
}

class BertClassifier : public Model, public BertSequenceClassifier {
 public:
  using Options = BertClassifierOptions;

  BertClassifier(const Options& options, const ModelArgs& args) : options_(options), config_(load_config(options)) {
    const int64_t labels = check_args(options, args, config_);
    bert_ = register_module("bert", BertModel(config_));
    const double dropout = config_.classifier_dropout >= 0 ? config_.classifier_dropout : config_.hidden_dropout_prob;
    dropout_ = register_module("dropout", Dropout(dropout));
    classifier_ = register_module("classifier", torch::nn::Linear(config_.hidden_size, labels));
  }

  /// The parameters the constructor makes, from config.json and the data's
  /// shape alone (attune refuses a model too big for the machine with it).
  static int64_t parameter_count(const Options& options, const ModelArgs& args) {
    const BertConfig config = load_config(options);
    const int64_t labels = check_args(options, args, config);
    return (BertModelImpl::parameter_count(config) + linear_parameters(config.hidden_size, labels)).value();
  }

  torch::Tensor forward(const Batch& batch) override {
    // Where attune's fused attention runs, a padded batch's real tokens are
    // packed and no layer computes the padding (same logits, less work).
    if (const auto packed = PackedSequences::for_batch(batch, options_.pack_sequences, classifier_->weight,
                                                       config_.max_position_embeddings)) {
      return classifier_(dropout_(bert_->forward(batch.input_ids, batch.token_type_ids, *packed).pooler_output));
    }
    const auto out = bert_->forward(batch.input_ids, batch.token_type_ids, batch.attention_mask);
    return classifier_(dropout_(out.pooler_output));
  }

  // HuggingFace's own initialisation for everything, then the checkpoint's
  // weights wherever it has them (a new head keeps the former).
  std::vector<InitRule> default_init_rules() const override {
    return bert_weight_rules(options_.pretrained, config_.initializer_range);
  }

  BertModel bert() const { return bert_; }

  std::string torchscript() const override {
    BertScript bert = bert_script(config_, "bert.");
    bert.statements.push_back("return torch.linear(pooled, self.classifier_weight, self.classifier_bias)");
    return bert.methods + script::method(
                              "forward(self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor) -> "
                              "Tensor",
                              bert.statements);
  }

  const BertConfig& bert_config() const override { return config_; }

 private:
  /// Refuses data the checkpoint cannot take; returns the head's classes.
  static int64_t check_args(const Options& options, const ModelArgs& args, const BertConfig& config) {
    const int64_t labels = options.num_labels > 0 ? options.num_labels : args.num_classes;
    if (args.num_classes > 0 && labels != args.num_classes) {
      input_error("model.num_labels is {} but the data has {} classes", labels, args.num_classes);
    }
    if (args.vocab_size > config.vocab_size) {
      input_error("the tokenizer's vocabulary ({} tokens) is larger than the model's vocab_size ({}) in {}/config.json",
                  args.vocab_size, config.vocab_size, options.pretrained);
    }
    if (args.max_length > config.max_position_embeddings) {
      input_error("data.max_length {} exceeds the model's max_position_embeddings {} ({}/config.json)", args.max_length,
                  config.max_position_embeddings, options.pretrained);
    }
    return labels;
  }

  Options options_;
  BertConfig config_;
  BertModel bert_{nullptr};
  Dropout dropout_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_MODEL("bert_classifier", attune::BertClassifier,
                      "BERT from a HuggingFace folder with a linear head on the pooled [CLS] token")
