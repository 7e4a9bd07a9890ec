#include "models/dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <mutex>

#include "core/kernels/cpu_kernels.h"

namespace attune {

DropoutDraw draw_dropout(double p) {
  DropoutDraw draw{};
  {
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    draw.seed = generator.get<at::CPUGeneratorImpl>()->random64();
  }
  draw.threshold = static_cast<uint32_t>(std::min(p * 4294967296.0, 4294967295.0));
  draw.scale = static_cast<float>(1.0 / (1.0 - p));
  return draw;
}

torch::Tensor inverted_dropout(const torch::Tensor& input, double p, bool training) {
  if (!training || p == 0) return input;
  if (!input.device().is_cpu() || input.scalar_type() != torch::kFloat || p >= 1) {
    return torch::dropout(input, p, training);
  }
  const DropoutDraw draw = draw_dropout(p);
  torch::Tensor noise = torch::empty(input.sizes(), input.options().requires_grad(false));
  float* out = noise.data_ptr<float>();
  at::parallel_for(0, noise.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
    kernels::dropout_noise(draw.seed, draw.threshold, draw.scale, out + begin, begin, end);
  });
  return input * noise;
}

}  // namespace attune
