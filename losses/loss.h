#pragma once

#include <torch/types.h>

#include "core/data/dataset.h"
#include "core/registry/component.h"
#include "core/registry/registry.h"

namespace attune {

/// A training objective (`train.loss`), split in two so that a mean is exact
/// over any number of batches and ranks: the summed loss of some examples,
/// and the divisor of their mean (their number, or for class weights the sum
/// of their targets' weights, as torch.nn.functional.cross_entropy divides).
/// Training divides a step's sum by the global batch's divisor; evaluation
/// divides the sums over the whole split.
class Loss {
 public:
  virtual ~Loss() = default;
  /// The examples' losses summed: `outputs` [N, classes] logits and [N] class
  /// ids, or [N] / [N, 1] values and [N] float targets.
  virtual torch::Tensor sum(const torch::Tensor& outputs, const torch::Tensor& targets) const = 0;
  /// The divisor of the mean over these targets. By default their number.
  virtual double divisor(const torch::Tensor& targets) const { return static_cast<double>(targets.size(0)); }
  /// Whether divisor() depends on the targets (a data-parallel step then adds
  /// the ranks' divisors before dividing).
  virtual bool weighted() const { return false; }
  /// What the loss compares: class ids or values.
  virtual Task task() const = 0;
};

/// What a loss factory gets besides its options: the data's shape.
struct LossArgs {
  int64_t num_classes = 0;  // of a classification; 0 for a regression or when not yet known
};

/// Registry traits for losses (`train.loss`, `attune list losses`).
struct LossKind {
  using Base = Loss;
  using Args = LossArgs;
  static constexpr const char* kName = "loss";
  static constexpr const char* kPlural = "losses";
};
template <>
Registry<LossKind>& registry<LossKind>();

/// The loss's mean over `outputs` and `targets`, as torch.nn.functional's
/// `reduction='mean'` gives it.
torch::Tensor mean_loss(const Loss& loss, const torch::Tensor& outputs, const torch::Tensor& targets);

}  // namespace attune

#define ATTUNE_REGISTER_LOSS(NAME, CLASS, HELP) ATTUNE_REGISTER(::attune::LossKind, NAME, CLASS, HELP)
