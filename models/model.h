#pragma once

#include <torch/nn/module.h>

#include "core/data/batch.h"
#include "core/data/dataset.h"
#include "core/registry/component.h"
#include "core/registry/registry.h"
#include "initializers/init_rules.h"

namespace attune {

/// A classifier: a torch::nn::Module mapping a batch to logits [B, classes].
class Model : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const Batch& batch) = 0;
  /// Initialization rules the model brings itself (bert_classifier: its
  /// pretrained weights), applied before the config's `init:` rules.
  virtual std::vector<InitRule> default_init_rules() const { return {}; }
  /// The forward pass as TorchScript source, for `attune export --to
  /// torchscript`: a `forward(self, input_ids: Tensor, attention_mask: Tensor,
  /// token_type_ids: Tensor) -> Tensor` for text models or `forward(self,
  /// pixels: Tensor) -> Tensor` for image models, returning the logits in
  /// eval mode, plus any helper methods; parameters and buffers are read as
  /// script::attribute(name) (models/torchscript_source.h). Empty: the model
  /// cannot be exported to TorchScript.
  virtual std::string torchscript() const { return {}; }
};

/// What a model factory gets besides its options: the data's shape.
using ModelArgs = DataSpec;

/// Registry traits for models (`model.type`).
struct ModelKind {
  using Base = Model;
  using Args = ModelArgs;
  static constexpr const char* kName = "model";
  static constexpr const char* kPlural = "models";
};
template <>
Registry<ModelKind>& registry<ModelKind>();

}  // namespace attune

#define ATTUNE_REGISTER_MODEL(NAME, CLASS, HELP) ATTUNE_REGISTER(::attune::ModelKind, NAME, CLASS, HELP)
