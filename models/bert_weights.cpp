#include "models/bert_weights.h"

#include <filesystem>

namespace attune {

std::vector<InitRule> bert_weight_rules(const std::string& weights, double initializer_range,
                                        const std::vector<std::string>& extra_ignore) {
  const config::Context ctx("<BERT checkpoint rules>", std::filesystem::current_path());
  YAML::Node init;
  init["type"] = "bert";
  init["initializer_range"] = initializer_range;
  YAML::Node load = YAML::Load(
      "{type: pretrained, prefix: bert., ignore: ['cls.*', '*position_ids'], rename: [[LayerNorm.gamma, "
      "LayerNorm.weight], [LayerNorm.beta, LayerNorm.bias]]}");
  load["path"] = weights;
  for (const auto& glob : extra_ignore) load["ignore"].push_back(glob);
  InitRule defaults, pretrained;
  defaults.initializer = config::Codec<Component<InitializerKind>>::parse(init, ctx);
  pretrained.initializer = config::Codec<Component<InitializerKind>>::parse(load, ctx);
  return {defaults, pretrained};
}

}  // namespace attune
