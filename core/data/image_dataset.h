#pragma once

#include <cstdint>
#include <vector>

#include "core/data/dataset.h"

namespace attune {

/// Images held as one contiguous float tensor [N, C, H, W] with their class
/// ids; a batch is an index_select of its rows, so collating costs one copy.
class ImageDataset : public Dataset {
 public:
  /// `pixels` is [N, C, H, W] float, `labels` has N class ids.
  ImageDataset(torch::Tensor pixels, std::vector<int64_t> labels);

  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  int64_t label(int64_t index) const override { return labels_.at(static_cast<size_t>(index)); }
  Batch collate(const std::vector<int64_t>& indices) const override;
  /// All images, [N, C, H, W].
  const torch::Tensor& pixels() const { return pixels_; }

 private:
  torch::Tensor pixels_;
  std::vector<int64_t> labels_;
  torch::Tensor label_tensor_;  // labels_ as [N] int64, for index_select
};

}  // namespace attune
