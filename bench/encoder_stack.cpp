// A BERT-base-sized encoder stack (hidden 768, 12 heads, ff 3072; seq 128,
// batch 8): forward + backward through attune's TransformerEncoder, and the
// machine's own sgemm rate measured in the same process, for model FLOPs
// utilisation. Prints JSON lines: {"sgemm_flops": ...} then per timed step
// {"seconds": ..., "flops": ...}.
#include <fmt/format.h>

#include <ATen/Parallel.h>

#include <chrono>

#include "models/transformer_encoder.h"

namespace {

double seconds_of(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t layers = argc > 1 ? std::atoi(argv[1]) : 12;
  const int steps = argc > 2 ? std::atoi(argv[2]) : 3;
  const int64_t batch = 8, length = 128, hidden = 768, ff = 3072;
  torch::manual_seed(0);

  // sgemm: 2048^3 products, best of 5 (what the BLAS can do here).
  const auto a = torch::randn({2048, 2048}), b = torch::randn({2048, 2048});
  torch::mm(a, b);
  double best = 1e9;
  for (int i = 0; i < 5; ++i) best = std::min(best, seconds_of([&] { torch::mm(a, b); }));
  fmt::print("{{\"sgemm_flops\": {:.6g}, \"threads\": {}}}\n", 2.0 * 2048 * 2048 * 2048 / best, at::get_num_threads());

  attune::EncoderOptions options;
  options.hidden_dim = hidden;
  options.num_heads = 12;
  options.ff_dim = ff;
  options.num_layers = layers;
  options.dropout = 0.1;
  attune::TransformerEncoder encoder(options);
  encoder->train();
  const auto x = torch::randn({batch, length, hidden});
  const auto mask = torch::zeros({batch, 1, 1, length});
  // Matmul FLOPs of one forward pass: the four projections and the two
  // feed-forward layers (2 per multiply-add), scores and context; backward is
  // twice the forward.
  const double tokens = static_cast<double>(batch * length);
  const double per_layer = 2 * tokens * (4.0 * hidden * hidden + 2.0 * hidden * ff) +
                           2 * 2.0 * static_cast<double>(batch) * length * length * hidden;
  const double flops = 3 * per_layer * static_cast<double>(layers);
  auto step = [&] {
    for (auto& p : encoder->parameters()) p.mutable_grad() = torch::Tensor();
    encoder->forward(x, mask).sum().backward();
  };
  step();  // warm-up
  for (int i = 0; i < steps; ++i) {
    fmt::print("{{\"seconds\": {:.6f}, \"flops\": {:.6g}}}\n", seconds_of(step), flops);
  }
  return 0;
}
