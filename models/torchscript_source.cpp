#include "models/torchscript_source.h"

#include <fmt/format.h>

namespace attune::script {

std::string attribute_name(const std::string& parameter_name) {
  std::string name = parameter_name;
  for (char& c : name) {
    if (c == '.') c = '_';
  }
  return name;
}

std::string attribute(const std::string& parameter_name) {
  return "self." + attribute_name(parameter_name);
}

std::string attributes(const std::string& prefix, const std::vector<std::string>& names) {
  std::string result;
  for (const auto& name : names) result += (result.empty() ? "" : ", ") + attribute(prefix + name);
  return result;
}

std::string number(double value) {
  std::string text = fmt::format("{:.17g}", value);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";  // 1 -> 1.0: a float, not an int
  return text;
}

std::string method(const std::string& signature, const std::vector<std::string>& body) {
  std::string text = "def " + signature + ":\n";
  for (const auto& line : body) text += "    " + line + "\n";
  return text + "\n";
}

}  // namespace attune::script
