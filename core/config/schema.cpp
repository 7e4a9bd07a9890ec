#include "core/config/schema.h"

#include <fmt/format.h>

#include <filesystem>

#include "core/text/suggest.h"

namespace attune::config {

std::string did_you_mean_text(const std::string& word, const std::vector<std::string>& candidates) {
  return did_you_mean(word, candidates);
}

namespace detail {

void check_path(std::string& value, PathKind kind, const YAML::Node& node, const Context& ctx) {
  if (value.empty()) return;
  const std::filesystem::path path = ctx.resolve_path(value);
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  const bool exists = std::filesystem::exists(status);
  switch (kind) {
    case PathKind::existing_file:
      if (!exists) ctx.fail(node, fmt::format("file not found: {}", path.string()));
      if (std::filesystem::is_directory(status)) {
        ctx.fail(node, fmt::format("expected a file, got the folder {}", path.string()));
      }
      break;
    case PathKind::existing_directory:
      if (!exists) ctx.fail(node, fmt::format("folder not found: {}", path.string()));
      if (!std::filesystem::is_directory(status)) {
        ctx.fail(node, fmt::format("expected a folder, got the file {}", path.string()));
      }
      break;
    case PathKind::existing_any:
      if (!exists) ctx.fail(node, fmt::format("not found: {}", path.string()));
      break;
    case PathKind::output:
      break;
    case PathKind::training_data:
      if (ctx.inputs_only()) break;
      if (!exists) ctx.fail(node, fmt::format("file not found: {}", path.string()));
      if (std::filesystem::is_directory(status)) {
        ctx.fail(node, fmt::format("expected a file, got the folder {}", path.string()));
      }
      break;
  }
  value = path.string();
}

std::string format_bound(const char* op, double bound) {
  return fmt::format("{} {}", op, bound);
}

std::string yaml_text(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "null";
  if (node.IsScalar()) return node.Scalar().empty() ? "\"\"" : node.Scalar();
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

}  // namespace detail
}  // namespace attune::config
