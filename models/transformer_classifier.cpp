// `transformer_classifier`: a transformer encoder over word-piece tokens with
// a linear head on the pooled sequence.

#include "models/model.h"
#include "models/packed_sequences.h"
#include "models/parameter_count.h"
#include "models/text_embedding.h"
#include "models/torchscript_source.h"
#include "models/transformer_encoder.h"

namespace attune {
namespace {

struct TransformerClassifierOptions : EncoderOptions {
  Pooling pooling = Pooling::mean;
  bool pack_sequences = true;
  static void declare(config::Schema<TransformerClassifierOptions>& s) {
    declare_into(s);
    s.field("pooling", &TransformerClassifierOptions::pooling, "`mean` of the real tokens, or the first (`cls`) token");
    s.field("pack_sequences", &TransformerClassifierOptions::pack_sequences, kPackSequencesHelp);
  }
};

/// Token and learned position embeddings (LayerNorm'd in post-norm models, as
/// BERT does), the encoder, padding-masked pooling and a linear head.
/// Padding never changes the result for the real tokens: padded keys are
/// masked out of attention and padded positions out of the mean (or, packed,
/// not computed at all).
class TransformerClassifier : public Model {
 public:
  using Options = TransformerClassifierOptions;

  TransformerClassifier(const Options& options, const ModelArgs& args) : options_(options) {
    check_args(args);
    const int64_t h = options.hidden_dim;
    embedding_ =
        register_module("embedding", TextEmbedding(args.vocab_size, args.max_length, h, args.pad_id,
                                                   !options.norm_first, options.layer_norm_eps, options.dropout));
    encoder_ = register_module("encoder", TransformerEncoder(options));
    head_ = register_module("head", torch::nn::Linear(h, args.num_classes));
  }

  /// The parameters the constructor makes, from the options and the data's
  /// shape alone (attune refuses a model too big for the machine with it).
  static int64_t parameter_count(const Options& options, const ModelArgs& args) {
    check_args(args);
    return (TextEmbeddingImpl::parameter_count(args.vocab_size, args.max_length, options.hidden_dim,
                                               !options.norm_first) +
            TransformerEncoderImpl::parameter_count(options) + linear_parameters(options.hidden_dim, args.num_classes))
        .value();
  }

  torch::Tensor forward(const Batch& batch) override {
    // Where attune's fused attention runs, a padded batch's real tokens are
    // packed and no layer computes the padding (same logits, less work).
    if (const auto packed = PackedSequences::for_batch(batch, options_.pack_sequences, head_->weight,
                                                       embedding_->positions->weight.size(0))) {
      auto x = embedding_->forward(packed->pack(batch.input_ids), packed->positions());
      x = encoder_(x, packed->layout());
      return head_(options_.pooling == Pooling::mean ? packed->mean(x) : packed->first(x));
    }
    auto x = embedding_->forward(batch.input_ids);
    x = encoder_(x, additive_padding_mask(batch.attention_mask, x.scalar_type()));
    torch::Tensor pooled;
    switch (options_.pooling) {
      case Pooling::mean: {
        auto mask = batch.attention_mask.to(x.scalar_type()).unsqueeze(-1);
        pooled = (x * mask).sum(1) / mask.sum(1).clamp_min(1.0);
        break;
      }
      case Pooling::cls:
        pooled = x.select(1, 0);
        break;
    }
    return head_(pooled);
  }

  std::string torchscript() const override {
    const EncoderScript encoder = encoder_script(options_, "encoder.", "mask");
    std::vector<std::string> body = {
        "x = torch.embedding(self.embedding_tokens_weight, input_ids, " +
        std::to_string(embedding_->tokens->options.padding_idx().value_or(-1)) +
        ", False, False) + self.embedding_positions_weight.narrow(0, 0, input_ids.size(1)).unsqueeze(0)"};
    if (embedding_->norm) {
      body.push_back(
          fmt::format("x = torch.layer_norm(x, [{}], self.embedding_norm_weight, self.embedding_norm_bias, {})",
                      options_.hidden_dim, script::number(options_.layer_norm_eps)));
    }
    body.push_back("mask = (1.0 - attention_mask.type_as(x).unsqueeze(1).unsqueeze(2)) * " +
                   script::number(std::numeric_limits<float>::lowest()));
    body.insert(body.end(), encoder.statements.begin(), encoder.statements.end());
    switch (options_.pooling) {
      case Pooling::mean:
        body.push_back("m = attention_mask.type_as(x).unsqueeze(-1)");
        body.push_back("pooled = (x * m).sum(1) / m.sum(1).clamp_min(1.0)");
        break;
      case Pooling::cls:
        body.push_back("pooled = x.select(1, 0)");
        break;
    }
    body.push_back("return torch.linear(pooled, self.head_weight, self.head_bias)");
    return encoder.methods +
           script::method("forward(self, input_ids: Tensor, attention_mask: Tensor, token_type_ids: Tensor) -> Tensor",
                          body);
  }

 private:
  static void check_args(const ModelArgs& args) {
    if (args.vocab_size <= 0 || args.max_length <= 0) {
      input_error("model `transformer_classifier` needs text data (a tokenizer and max_length)");
    }
  }

  Options options_;
  TextEmbedding embedding_{nullptr};
  TransformerEncoder encoder_{nullptr};
  torch::nn::Linear head_{nullptr};
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_MODEL("transformer_classifier", attune::TransformerClassifier,
                      "transformer encoder over tokens, pooled, with a linear head")
