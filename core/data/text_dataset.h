#pragma once

#include <cstdint>
#include <vector>

#include "core/data/dataset.h"
#include "core/data/tokenizer.h"

namespace attune {

/// Tokenized texts kept as one flat id array, batched with padding to the
/// longest sequence in each batch.
class TextDataset : public Dataset {
 public:
  TextDataset(int64_t pad_id, bool with_token_types) : pad_id_(pad_id), with_token_types_(with_token_types) {
    offsets_.push_back(0);
  }

  /// A classification example: `label` is its class id (-1: unlabelled).
  void add(const EncodedIds& encoded, int64_t label);
  /// A regression example: its target value. A dataset holds one kind.
  void add_value(const EncodedIds& encoded, float target);

  int64_t size() const override { return static_cast<int64_t>(offsets_.size()) - 1; }
  /// The class id; 0 for every example of a regression (one stratum for k-fold).
  int64_t label(int64_t index) const override { return labels_.empty() ? 0 : labels_.at(static_cast<size_t>(index)); }
  Batch collate(const std::vector<int64_t>& indices) const override;
  int64_t truncated_examples() const override { return truncated_; }
  /// Tokens of example `index`, special tokens included.
  int64_t length(int64_t index) const { return offsets_[index + 1] - offsets_[index]; }

 private:
  void add_ids(const EncodedIds& encoded);

  int64_t pad_id_;
  bool with_token_types_;
  std::vector<int32_t> ids_;
  std::vector<int8_t> token_types_;
  std::vector<int64_t> offsets_;
  std::vector<int64_t> labels_;
  std::vector<float> targets_;  // a regression's, instead of labels_
  int64_t truncated_ = 0;
};

}  // namespace attune
