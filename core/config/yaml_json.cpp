#include "core/config/yaml_json.h"

#include <cmath>
#include <cstdlib>

namespace attune {

nlohmann::ordered_json yaml_to_json(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (auto it = node.begin(); it != node.end(); ++it) object[it->first.Scalar()] = yaml_to_json(it->second);
    return object;
  }
  if (node.IsSequence()) {
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    for (const auto& item : node) array.push_back(yaml_to_json(item));
    return array;
  }
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  const std::string& text = node.Scalar();
  if (node.Tag() == "?") {  // plain, not quoted
    auto parsed = nlohmann::ordered_json::parse(text, nullptr, false);
    if (!parsed.is_discarded() && (parsed.is_number() || parsed.is_boolean())) return parsed;
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (!text.empty() && end == text.c_str() + text.size() && std::isfinite(value)) return value;
  }
  return text;
}

}  // namespace attune
