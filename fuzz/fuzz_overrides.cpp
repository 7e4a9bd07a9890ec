// `key=value` overrides applied to a valid experiment: each input line is one override.
#include <sstream>

#include "core/config/overrides.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const YAML::Node base = YAML::Load(
      "name: f\ndata: {type: text_classification, train: t.tsv, max_length: 8}\n"
      "model: {type: transformer_classifier, hidden_dim: 8, num_heads: 2}\n"
      "init: [{match: '*', type: zeros}]\noptimizer: {type: adamw, lr: 0.001}\ntrain: {epochs: 1}\n");
  YAML::Node root = YAML::Clone(base);
  attune::config::OverrideMap overrides;
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
  for (std::string line; std::getline(lines, line);) {
    attune::fuzz::expect_only_attune_errors([&] { attune::config::apply_override(root, line, overrides); });
  }
  return 0;
}
