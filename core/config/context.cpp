#include "core/config/context.h"

#include "core/error.h"

namespace attune::config {

Context::Context(std::string file, std::filesystem::path base_dir, std::shared_ptr<const OverrideMap> overrides)
    : file_(std::move(file)),
      base_dir_(std::move(base_dir)),
      overrides_(overrides ? std::move(overrides) : std::make_shared<OverrideMap>()),
      nearest_mark_(YAML::Mark::null_mark()) {}

Context Context::child(const std::string& key, const YAML::Node& node) const {
  Context result = *this;
  result.key_path_ = key_path_.empty() ? key : key_path_ + "." + key;
  if (node.IsDefined() && !node.Mark().is_null()) result.nearest_mark_ = node.Mark();
  return result;
}

Context Context::item(size_t index, const YAML::Node& node) const {
  return child(std::to_string(index), node);
}

const std::string* Context::override_text() const {
  // The override may have set this key or a map above it ("model={...}").
  std::string path = key_path_;
  while (!path.empty()) {
    auto it = overrides_->find(path);
    if (it != overrides_->end()) return &it->second;
    const auto dot = path.rfind('.');
    if (dot == std::string::npos) break;
    path.resize(dot);
  }
  return nullptr;
}

std::filesystem::path Context::resolve_path(const std::string& path) const {
  std::filesystem::path p(path);
  if (p.is_absolute()) return p.lexically_normal();
  const auto base = override_text() ? std::filesystem::current_path() : base_dir_;
  return (base / p).lexically_normal();
}

std::string Context::location(const YAML::Node& node) const {
  if (const std::string* where = override_text()) return *where;
  YAML::Mark mark = node.IsDefined() && !node.Mark().is_null() ? node.Mark() : nearest_mark_;
  if (mark.is_null()) return file_;
  return fmt::format("{}:{}:{}", file_, mark.line + 1, mark.column + 1);
}

void Context::fail(const YAML::Node& node, const std::string& problem, const std::string& hint) const {
  const std::string key = key_path_.empty() ? "" : key_path_ + ": ";
  throw InputError(fmt::format("{}: {}{}{}", location(node), key, problem, hint));
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return fmt::format("`{}`", node.Scalar());
}

}  // namespace attune::config
