#include "schedulers/param_groups.h"

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include "core/error.h"

namespace attune {

ParamGroups::ParamGroups(torch::optim::Optimizer& optimizer)
    : optimizer_(&optimizer), initial_lrs_(optimizer.param_groups().size()) {}

std::vector<double> ParamGroups::initial_lrs() const {
  std::vector<double> result;
  for (size_t i = 0; i < size(); ++i) result.push_back(initial_lrs_[i] ? *initial_lrs_[i] : lr(i));
  return result;
}

void ParamGroups::setdefault_initial_lrs() {
  for (size_t i = 0; i < size(); ++i) {
    if (!initial_lrs_[i]) initial_lrs_[i] = lr(i);
  }
}

torch::optim::OptimizerOptions& ParamGroups::options(size_t group) const {
  return optimizer_->param_groups().at(group).options();
}

double ParamGroups::lr(size_t group) const {
  return options(group).get_lr();
}

void ParamGroups::set_lr(size_t group, double lr) {
  options(group).set_lr(lr);
}

std::vector<double> ParamGroups::lrs() const {
  std::vector<double> result;
  for (size_t i = 0; i < size(); ++i) result.push_back(lr(i));
  return result;
}

bool ParamGroups::has_momentum(size_t group) const {
  auto& o = options(group);
  return dynamic_cast<torch::optim::SGDOptions*>(&o) || dynamic_cast<torch::optim::AdamOptions*>(&o) ||
         dynamic_cast<torch::optim::AdamWOptions*>(&o) || dynamic_cast<torch::optim::RMSpropOptions*>(&o);
}

double ParamGroups::momentum(size_t group) const {
  auto& o = options(group);
  if (auto* sgd = dynamic_cast<torch::optim::SGDOptions*>(&o)) return sgd->momentum();
  if (auto* adam = dynamic_cast<torch::optim::AdamOptions*>(&o)) return std::get<0>(adam->betas());
  if (auto* adamw = dynamic_cast<torch::optim::AdamWOptions*>(&o)) return std::get<0>(adamw->betas());
  if (auto* rmsprop = dynamic_cast<torch::optim::RMSpropOptions*>(&o)) return rmsprop->momentum();
  runtime_error("param group {} has no momentum to cycle", group);
}

void ParamGroups::set_momentum(size_t group, double momentum) {
  auto& o = options(group);
  if (auto* sgd = dynamic_cast<torch::optim::SGDOptions*>(&o)) {
    sgd->momentum(momentum);
  } else if (auto* adam = dynamic_cast<torch::optim::AdamOptions*>(&o)) {
    adam->betas({momentum, std::get<1>(adam->betas())});
  } else if (auto* adamw = dynamic_cast<torch::optim::AdamWOptions*>(&o)) {
    adamw->betas({momentum, std::get<1>(adamw->betas())});
  } else if (auto* rmsprop = dynamic_cast<torch::optim::RMSpropOptions*>(&o)) {
    rmsprop->momentum(momentum);
  } else {
    runtime_error("param group {} has no momentum to cycle", group);
  }
}

}  // namespace attune
