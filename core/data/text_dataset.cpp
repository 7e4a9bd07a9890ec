#include "core/data/text_dataset.h"

#include <algorithm>

namespace attune {

void TextDataset::add_value(const EncodedIds& encoded, float target) {
  targets_.push_back(target);
  add_ids(encoded);
}

void TextDataset::add(const EncodedIds& encoded, int64_t label) {
  labels_.push_back(label);
  add_ids(encoded);
}

void TextDataset::add_ids(const EncodedIds& encoded) {
  for (int64_t id : encoded.input_ids) ids_.push_back(static_cast<int32_t>(id));
  if (with_token_types_) {
    for (int64_t type : encoded.token_type_ids) token_types_.push_back(static_cast<int8_t>(type));
  }
  offsets_.push_back(static_cast<int64_t>(ids_.size()));
  if (encoded.truncated) ++truncated_;
}

Batch TextDataset::collate(const std::vector<int64_t>& indices) const {
  const auto batch = static_cast<int64_t>(indices.size());
  int64_t longest = 1;
  for (int64_t index : indices) longest = std::max(longest, length(index));

  Batch result;
  result.input_ids = torch::full({batch, longest}, pad_id_, torch::kLong);
  result.attention_mask = torch::zeros({batch, longest}, torch::kLong);
  const bool regression = !targets_.empty();
  result.labels = torch::empty({batch}, regression ? torch::kFloat : torch::kLong);
  if (with_token_types_) result.token_type_ids = torch::zeros({batch, longest}, torch::kLong);
  auto* ids = result.input_ids.data_ptr<int64_t>();
  auto* mask = result.attention_mask.data_ptr<int64_t>();
  auto* labels = regression ? nullptr : result.labels.data_ptr<int64_t>();
  auto* targets = regression ? result.labels.data_ptr<float>() : nullptr;
  int64_t* types = with_token_types_ ? result.token_type_ids.data_ptr<int64_t>() : nullptr;
  for (int64_t row = 0; row < batch; ++row) {
    const int64_t index = indices[row];
    const int64_t begin = offsets_[index], count = length(index);
    for (int64_t t = 0; t < count; ++t) {
      ids[row * longest + t] = ids_[begin + t];
      mask[row * longest + t] = 1;
      if (types) types[row * longest + t] = token_types_[begin + t];
    }
    if (regression) {
      targets[row] = targets_[index];
    } else {
      labels[row] = labels_[index];
    }
  }
  return result;
}

}  // namespace attune
