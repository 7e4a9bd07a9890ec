// `bert`: HuggingFace's BertPreTrainedModel._init_weights: linear and
// embedding weights N(0, initializer_range^2), biases 0, LayerNorm 1 and 0,
// an embedding's padding row 0.
#include <torch/nn/init.h>

#include "core/text/text_fields.h"
#include "initializers/initializer.h"

namespace attune {
namespace {

struct BertInitOptions {
  double initializer_range = 0.02;
  static void declare(config::Schema<BertInitOptions>& s) {
    s.field("initializer_range", &BertInitOptions::initializer_range, "std of the normal weights").greater_than(0);
  }
};

class BertInitializer : public Initializer {
 public:
  using Options = BertInitOptions;
  BertInitializer(const Options& options, const InitializerArgs&) : range_(options.initializer_range) {}
  bool apply(torch::Tensor& param, const ParamInfo& info) override {
    const bool bias = ends_with(info.name, "bias");
    if (info.module_kind == "layernorm") {
      bias ? torch::nn::init::zeros_(param) : torch::nn::init::ones_(param);
    } else if (bias) {
      torch::nn::init::zeros_(param);
    } else {
      torch::nn::init::normal_(param, 0.0, range_);
      if (info.module_kind == "embedding" && info.padding_idx) param[*info.padding_idx].zero_();
    }
    return true;
  }

 private:
  double range_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_INITIALIZER("bert", attune::BertInitializer,
                            "HuggingFace BERT's: N(0, initializer_range^2) weights, zero biases, LayerNorm 1/0")
