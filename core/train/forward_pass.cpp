#include "core/train/forward_pass.h"

#include "core/train/autocast.h"

namespace attune {

std::optional<at::ScalarType> autocast_dtype(Precision precision, const torch::Device& device) {
  switch (precision) {
    case Precision::bf16:
      return at::kBFloat16;
    case Precision::fp16:
      if (device.is_cuda()) return at::kHalf;
      return std::nullopt;
    case Precision::fp32:
      break;
  }
  return std::nullopt;
}

ForwardPass forward_pass(Model& model, const Dataset& dataset, const std::vector<int64_t>& indices,
                         const torch::Device& device, Precision precision) {
  ForwardPass pass{dataset.collate(indices).to(device), {}};
  {
    const AutocastGuard autocast(device, autocast_dtype(precision, device));
    pass.logits = model.forward(pass.batch);
  }
  pass.logits = pass.logits.to(torch::kFloat);
  return pass;
}

}  // namespace attune
