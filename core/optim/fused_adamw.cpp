#include "core/optim/fused_adamw.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>

#include "core/kernels/cpu_kernels.h"

namespace attune {
namespace {

// The key LibTorch's Optimizer files a parameter's state under: the address
// of its TensorImpl, as text up to 2.1 (c10::guts::to_string, an ostream
// write, which LibTorch 2.2 removed) and as a pointer from 2.2.
template <class Key>
Key state_key(const torch::Tensor& p) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream address;
    address << p.unsafeGetTensorImpl();
    return address.str();
  } else {
    return p.unsafeGetTensorImpl();
  }
}

bool dense_cpu_float(const torch::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat && t.layout() == torch::kStrided &&
         t.is_contiguous();
}

}  // namespace

bool FusedAdamW::fusable() const {
  for (const auto& group : param_groups_) {
    if (static_cast<const torch::optim::AdamWOptions&>(group.options()).amsgrad()) return false;
    for (const auto& p : group.params()) {
      if (p.grad().defined() && !(dense_cpu_float(p) && dense_cpu_float(p.grad()))) return false;
    }
  }
  return true;
}

torch::Tensor FusedAdamW::step(LossClosure closure) {
  if (!fusable()) return torch::optim::AdamW::step(std::move(closure));
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  using Key = typename std::decay_t<decltype(state_)>::key_type;
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
    const double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& slot = state_[state_key<Key>(p)];
      if (!slot) {
        auto fresh = std::make_unique<torch::optim::AdamWParamState>();
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
        slot = std::move(fresh);
      }
      auto& state = static_cast<torch::optim::AdamWParamState&>(*slot);
      state.step(state.step() + 1);
      // A state loaded from a checkpoint may be non-contiguous or elsewhere.
      if (!dense_cpu_float(state.exp_avg())) state.exp_avg(state.exp_avg().to(torch::kFloat).contiguous());
      if (!dense_cpu_float(state.exp_avg_sq())) state.exp_avg_sq(state.exp_avg_sq().to(torch::kFloat).contiguous());
      // The scalars as LibTorch's AdamW computes them: in double, then used in float.
      const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(state.step()));
      const double bias_correction2 = 1 - std::pow(beta2, static_cast<double>(state.step()));
      kernels::AdamWStep k;
      k.weight_decay_factor = static_cast<float>(1 - options.lr() * options.weight_decay());
      k.beta1 = static_cast<float>(beta1);
      k.beta2 = static_cast<float>(beta2);
      k.one_minus_beta1 = static_cast<float>(1 - beta1);
      k.one_minus_beta2 = static_cast<float>(1 - beta2);
      k.step_size = static_cast<float>(options.lr() / bias_correction1);
      k.bias_correction2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
      k.eps = static_cast<float>(options.eps());
      float* param = p.data_ptr<float>();
      float* exp_avg = state.exp_avg().data_ptr<float>();
      float* exp_avg_sq = state.exp_avg_sq().data_ptr<float>();
      const float* grad = p.grad().data_ptr<float>();
      at::parallel_for(0, p.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
        kernels::adamw_step(k, param, exp_avg, exp_avg_sq, grad, begin, end);
      });
    }
  }
  return loss;
}

}  // namespace attune
