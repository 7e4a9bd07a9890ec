#include "core/data/image_dataset.h"

#include "core/error.h"

namespace attune {

ImageDataset::ImageDataset(torch::Tensor pixels, std::vector<int64_t> labels)
    : pixels_(pixels.contiguous()), labels_(std::move(labels)) {
  TORCH_CHECK(pixels_.dim() == 4 && pixels_.size(0) == static_cast<int64_t>(labels_.size()),
              "ImageDataset: expected [N, C, H, W] pixels for ", labels_.size(), " labels, got ", pixels_.sizes());
  label_tensor_ = torch::tensor(labels_, torch::kLong);
}

Batch ImageDataset::collate(const std::vector<int64_t>& indices) const {
  // from_blob does not copy; index_select then copies the rows once.
  const auto index =
      torch::from_blob(const_cast<int64_t*>(indices.data()), {static_cast<int64_t>(indices.size())}, torch::kLong);
  Batch batch;
  batch.pixels = pixels_.index_select(0, index);
  batch.labels = label_tensor_.index_select(0, index);
  return batch;
}

}  // namespace attune
