// The attention core, forward + backward, through the path attune takes on
// this LibTorch (the fused CPU kernel on 1.13, SDPA on 2.x) and through the
// explicit operations (PyTorch's matmul, softmax and dropout kernels), in the
// same process, alternating, at the demo model's shape and at BERT-base's.
// Prints one JSON line per shape: {"shape": ..., "path": ..., "fast": [s...],
// "explicit": [s...]}.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>

#include "models/attention.h"
#include "models/attention_core.h"

namespace {

struct Shape {
  const char* name;
  int64_t batch, length, hidden, heads;
};

const char* path_name(attune::AttentionPath path) {
  switch (path) {
    case attune::AttentionPath::sdpa:
      return "sdpa";
    case attune::AttentionPath::fused_cpu:
      return "fused_cpu";
    default:
      return "explicit";
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 7;
  const Shape shapes[] = {{"demo", 128, 64, 96, 4}, {"bert_base", 8, 128, 768, 12}};
  torch::manual_seed(0);
  for (const auto& s : shapes) {
    auto qkv = torch::randn({s.batch, s.length, 3 * s.hidden}, torch::requires_grad());
    auto ids = torch::ones({s.batch, s.length}, torch::kLong);
    ids.index_put_(
        {torch::indexing::Slice(0, s.batch / 2), torch::indexing::Slice(s.length * 3 / 4, torch::indexing::None)}, 0);
    const auto mask = attune::additive_padding_mask(ids, torch::kFloat);
    const auto weights = torch::randn({s.batch, s.length, s.hidden});
    const attune::AttentionSettings settings{s.heads, 0.1, true};
    const auto h = s.hidden;
    const auto time = [&](bool fast) {
      const auto start = std::chrono::steady_clock::now();
      const auto out = fast ? attune::packed_self_attention(qkv, mask, settings)
                            : attune::explicit_self_attention(qkv.narrow(2, 0, h), qkv.narrow(2, h, h),
                                                              qkv.narrow(2, 2 * h, h), mask, settings);
      (out * weights).sum().backward();
      qkv.mutable_grad().reset();
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    time(true);
    time(false);
    std::vector<double> fast, explicit_ops;
    for (int i = 0; i < repeats; ++i) {
      fast.push_back(time(true));
      explicit_ops.push_back(time(false));
    }
    fmt::print("{{\"shape\": \"{}\", \"path\": \"{}\", \"fast\": [{}], \"explicit\": [{}]}}\n", s.name,
               path_name(attune::attention_path(qkv, mask)), fmt::join(fast, ", "), fmt::join(explicit_ops, ", "));
  }
  return 0;
}
