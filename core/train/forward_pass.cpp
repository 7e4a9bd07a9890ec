#include "core/train/forward_pass.h"

#include "core/train/autocast.h"

namespace attune {

ForwardPass forward_pass(Model& model, const Dataset& dataset, const std::vector<int64_t>& indices,
                         const torch::Device& device, Precision precision) {
  ForwardPass pass{dataset.collate(indices).to(device), {}};
  {
    const AutocastGuard autocast(device, precision == Precision::bf16);
    pass.logits = model.forward(pass.batch);
  }
  pass.logits = pass.logits.to(torch::kFloat);
  return pass;
}

}  // namespace attune
