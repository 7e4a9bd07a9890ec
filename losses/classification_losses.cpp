// `cross_entropy`, as torch.nn.functional.cross_entropy computes it: class
// weights and label smoothing included, the mean taken over the targets'
// weights.
#include <torch/nn/functional/loss.h>

#include "core/config/schema.h"
#include "losses/loss.h"

namespace attune {
namespace {

struct CrossEntropyOptions {
  std::vector<double> weights;
  double label_smoothing = 0.0;
  static void declare(config::Schema<CrossEntropyOptions>& s) {
    s.field("weights", &CrossEntropyOptions::weights,
            "one weight per class, in label-id order (labels.json); empty = all 1")
        .at_least(0);
    s.field("label_smoothing", &CrossEntropyOptions::label_smoothing,
            "share of the target spread evenly over all classes (PyTorch's label_smoothing)")
        .at_least(0)
        .at_most(1);
  }
};

class CrossEntropy : public Loss {
 public:
  using Options = CrossEntropyOptions;
  CrossEntropy(const Options& options, const LossArgs& args) : options_(options) {
    if (!options.weights.empty()) {
      if (args.num_classes > 0 && static_cast<int64_t>(options.weights.size()) != args.num_classes) {
        input_error(
            "train.loss.weights has {} weights but the data has {} classes (one weight per class, in the "
            "order of labels.json)",
            options.weights.size(), args.num_classes);
      }
      weights_ = torch::tensor(options.weights, torch::kFloat);
    }
  }

  torch::Tensor sum(const torch::Tensor& outputs, const torch::Tensor& targets) const override {
    namespace F = torch::nn::functional;
    auto options = F::CrossEntropyFuncOptions().reduction(torch::kSum).label_smoothing(options_.label_smoothing);
    if (weights_.defined()) options = options.weight(weights_.to(outputs.device()));
    return F::cross_entropy(outputs, targets, options);
  }

  double divisor(const torch::Tensor& targets) const override {
    if (!weights_.defined()) return Loss::divisor(targets);
    return weights_.index_select(0, targets.cpu()).to(torch::kDouble).sum().item<double>();
  }

  bool weighted() const override { return weights_.defined(); }
  Task task() const override { return Task::classification; }

 private:
  Options options_;
  torch::Tensor weights_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_LOSS("cross_entropy", attune::CrossEntropy,
                     "cross-entropy of the logits (class weights, label smoothing), as torch's F.cross_entropy")
