#pragma once

#include <torch/types.h>

#include <optional>
#include <vector>

#include "core/data/batch.h"
#include "models/attention.h"

namespace attune {

/// The `pack_sequences` key's description, for every model that declares it.
inline constexpr const char* kPackSequencesHelp =
    "compute only the real tokens of a padded batch (CPU float32 on LibTorch 1.13; the same logits, other dropout "
    "draws); false computes the padding too";

/// A padded batch's real tokens packed one after another, [B, L] -> [T], so
/// that an encoder computes no padding at all: its linear layers, norms and
/// dropout run on T rows instead of B x L, and attention on each sequence's
/// own tokens (TokenLayout::packed, varlen_self_attention). Every real
/// token's result is what the padded batch gives it; only the padding's
/// rows, which nothing reads, are not computed.
class PackedSequences {
 public:
  /// The packing of a [B, L] attention mask (1 real, 0 padding), or nullopt
  /// where it gains nothing or does not apply: no padding, an empty
  /// sequence, or a real token after padding (only right padding packs, as
  /// attune's batches are padded).
  static std::optional<PackedSequences> of(const torch::Tensor& attention_mask);
  /// What a classifier runs `batch` with: its packing where `enabled` (the
  /// model's pack_sequences), attune's fused attention runs for tensors like
  /// `like` (packs_sequences), the batch fits the model's `positions` (a
  /// longer one takes the padded path, which names the error) and its mask
  /// packs; nullopt for the padded path.
  static std::optional<PackedSequences> for_batch(const Batch& batch, bool enabled, const torch::Tensor& like,
                                                  int64_t positions);

  /// [B, L, ...] -> [T, ...]: the real tokens' entries, sequence after sequence.
  torch::Tensor pack(const torch::Tensor& padded) const;
  /// [T] long: each packed token's position within its sequence.
  const torch::Tensor& positions() const { return positions_; }
  TokenLayout layout() const { return TokenLayout::packed(lengths_); }

  /// [T, H] -> [B, H]: the mean of each sequence's tokens.
  torch::Tensor mean(const torch::Tensor& packed) const;
  /// [T, H] -> [B, H]: each sequence's first token.
  torch::Tensor first(const torch::Tensor& packed) const;

 private:
  std::vector<int64_t> lengths_;
  torch::Tensor rows_;         ///< [T] long: each token's row in the flattened [B * L]
  torch::Tensor positions_;    ///< [T] long
  torch::Tensor sequence_of_;  ///< [T] long: each token's sequence
  torch::Tensor starts_;       ///< [B] long: each sequence's first packed token
};

}  // namespace attune
