#include "models/packed_sequences.h"

#include "models/attention_core.h"

namespace attune {

std::optional<PackedSequences> PackedSequences::for_batch(const Batch& batch, bool enabled, const torch::Tensor& like,
                                                          int64_t positions) {
  if (!enabled || !batch.attention_mask.defined() || !packs_sequences(like) || batch.input_ids.size(1) > positions) {
    return std::nullopt;
  }
  return of(batch.attention_mask);
}

std::optional<PackedSequences> PackedSequences::of(const torch::Tensor& attention_mask) {
  if (attention_mask.dim() != 2 || attention_mask.numel() == 0) return std::nullopt;
  const auto mask = attention_mask.to(torch::kCPU, torch::kLong).contiguous();
  const int64_t batch = mask.size(0), length = mask.size(1);
  const int64_t* m = mask.data_ptr<int64_t>();
  PackedSequences p;
  std::vector<int64_t> rows, positions, sequence_of, starts;
  for (int64_t b = 0; b < batch; ++b) {
    int64_t n = 0;
    while (n < length && m[b * length + n] != 0) ++n;
    for (int64_t t = n; t < length; ++t)
      if (m[b * length + t] != 0) return std::nullopt;  // a real token after padding
    if (n == 0) return std::nullopt;
    p.lengths_.push_back(n);
    starts.push_back(static_cast<int64_t>(rows.size()));
    for (int64_t t = 0; t < n; ++t) {
      rows.push_back(b * length + t);
      positions.push_back(t);
      sequence_of.push_back(b);
    }
  }
  if (static_cast<int64_t>(rows.size()) == batch * length) return std::nullopt;  // no padding
  const auto tensor = [&](const std::vector<int64_t>& v) {
    return torch::tensor(v, torch::kLong).to(attention_mask.device());
  };
  p.rows_ = tensor(rows);
  p.positions_ = tensor(positions);
  p.sequence_of_ = tensor(sequence_of);
  p.starts_ = tensor(starts);
  return p;
}

torch::Tensor PackedSequences::pack(const torch::Tensor& padded) const {
  return padded.flatten(0, 1).index_select(0, rows_);
}

torch::Tensor PackedSequences::mean(const torch::Tensor& packed) const {
  const int64_t batch = static_cast<int64_t>(lengths_.size());
  const auto counts = torch::tensor(lengths_, torch::kLong).to(packed.options()).unsqueeze(1);
  return torch::zeros({batch, packed.size(1)}, packed.options()).index_add(0, sequence_of_, packed) / counts;
}

torch::Tensor PackedSequences::first(const torch::Tensor& packed) const {
  return packed.index_select(0, starts_);
}

}  // namespace attune
