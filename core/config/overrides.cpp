#include "core/config/overrides.h"

#include <charconv>
#include <map>
#include <optional>

#include "core/error.h"

namespace attune::config {

YAML::Node load_yaml_file(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    input_error("{}: cannot open the experiment file", path);
  } catch (const YAML::ParserException& e) {
    input_error("{}:{}:{}: invalid YAML: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  if (!root.IsDefined() || root.IsNull()) input_error("{}: the experiment file is empty", path);
  if (!root.IsMap()) {
    input_error("{}:{}:{}: expected a map of sections (data:, model:, ...), got {}", path, root.Mark().line + 1,
                root.Mark().column + 1, describe(root));
  }
  reject_duplicate_keys(root, path);
  return root;
}

void reject_duplicate_keys(const YAML::Node& node, const std::string& path) {
  // YAML forbids a key twice in one map, but yaml-cpp keeps both and lookups
  // see only the first: the second would be silently ignored.
  if (node.IsMap()) {
    std::map<std::string, YAML::Mark> seen;
    for (const auto& entry : node) {
      if (entry.first.IsScalar()) {
        const auto [it, fresh] = seen.emplace(entry.first.Scalar(), entry.first.Mark());
        if (!fresh) {
          input_error("{}:{}:{}: `{}` is given twice in this map (first at line {}); the second would be ignored", path,
                      entry.first.Mark().line + 1, entry.first.Mark().column + 1, entry.first.Scalar(),
                      it->second.line + 1);
        }
      }
      reject_duplicate_keys(entry.second, path);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) reject_duplicate_keys(item, path);
  }
}

namespace {

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  // The search space's own keys are dotted config keys (`optimizer.lr`):
  // `search.space.optimizer.lr=[...]` names that one entry.
  static const std::string kSpace = "search.space.";
  if (key.rfind(kSpace, 0) == 0 && key.size() > kSpace.size()) {
    return {"search", "space", key.substr(kSpace.size())};
  }
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::optional<size_t> parse_index(const std::string& text) {
  size_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

void apply_override(YAML::Node& root, const std::string& text, OverrideMap& overrides) {
  const size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    input_error("override `{}`: expected key=value, e.g. optimizer.lr=0.001", text);
  }
  const std::string key = text.substr(0, equals);
  const std::string value_text = text.substr(equals + 1);
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::ParserException& e) {
    input_error("override `{}`: the value is not valid YAML: {}", text, e.msg);
  }
  apply_override(root, key, value, fmt::format("override `{}`", text), overrides);
}

void apply_override(YAML::Node& root, const std::string& key, const YAML::Node& value, const std::string& where,
                    OverrideMap& overrides) {
  const auto parts = split_key(key);
  for (const auto& part : parts) {
    if (part.empty()) input_error("{}: empty key segment in `{}`", where, key);
  }

  // yaml-cpp nodes are references: walk with reset(), never with operator=,
  // which would overwrite the parent's content.
  YAML::Node node;
  node.reset(root);
  std::string walked;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    if (node.IsSequence()) {
      const auto index = parse_index(part);
      if (!index || *index >= node.size()) {
        input_error("{}: `{}` is a list of {} items; `{}` is not an index into it", where, walked, node.size(), part);
      }
      if (last) {
        node[*index] = value;
      } else {
        YAML::Node next = node[*index];
        node.reset(next);
      }
    } else {
      if (!node.IsMap()) {
        if (!node.IsNull()) {
          input_error("{}: `{}` holds a value, not a map, so it has no key `{}`", where, walked, part);
        }
        node = YAML::Node(YAML::NodeType::Map);
      }
      if (last) {
        node[part] = value;
      } else {
        if ((!node[part].IsDefined() || node[part].IsNull()) && parse_index(parts[i + 1])) {
          const std::string list = walked.empty() ? part : walked + "." + part;
          input_error("{}: there is no list `{}` to take item {} of; give the whole list, e.g. `{}=[...]`", where, list,
                      parts[i + 1], list);
        }
        if (!node[part].IsDefined() || node[part].IsNull()) node[part] = YAML::Node(YAML::NodeType::Map);
        YAML::Node next = node[part];
        node.reset(next);
      }
    }
    walked += (walked.empty() ? "" : ".") + part;
  }
  overrides[key] = where;
}

}  // namespace attune::config
