#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/config/context.h"

namespace attune::config {

/// Codec<T> turns a YAML node into a T (with an error naming file, line and
/// key when it cannot) and a T back into YAML for the resolved config.
/// Specialised for scalars, lists, optionals, structs with a schema and
/// registered components.
template <class T, class Enable = void>
struct Codec;

/// Scalars are parsed strictly: `3.5` is not an integer, `yes` is a bool,
/// `1e-4` is a number, and nothing is silently truncated.
bool parse_bool(const YAML::Node& node, const Context& ctx);
int64_t parse_int(const YAML::Node& node, const Context& ctx);
double parse_double(const YAML::Node& node, const Context& ctx);
std::string parse_string(const YAML::Node& node, const Context& ctx);

/// A scalar node holding `value` in its shortest exact decimal form.
YAML::Node emit_double(double value);

template <>
struct Codec<bool> {
  static bool parse(const YAML::Node& n, const Context& c) { return parse_bool(n, c); }
  static YAML::Node emit(bool v) { return YAML::Node(v ? "true" : "false"); }
  static std::string type_name() { return "bool"; }
};

template <class T>
struct Codec<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static T parse(const YAML::Node& n, const Context& c) {
    const int64_t value = parse_int(n, c);
    bool in_range = true;
    if constexpr (std::is_signed_v<T>) {
      in_range = value >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                 value <= static_cast<int64_t>(std::numeric_limits<T>::max());
    } else {
      in_range = value >= 0 && static_cast<uint64_t>(value) <= static_cast<uint64_t>(std::numeric_limits<T>::max());
    }
    if (!in_range) c.fail(n, "integer out of range");
    return static_cast<T>(value);
  }
  static YAML::Node emit(T v) { return YAML::Node(std::to_string(v)); }
  static std::string type_name() { return "int"; }
};

template <>
struct Codec<double> {
  static double parse(const YAML::Node& n, const Context& c) { return parse_double(n, c); }
  static YAML::Node emit(double v) { return emit_double(v); }
  static std::string type_name() { return "float"; }
};

template <>
struct Codec<std::string> {
  static std::string parse(const YAML::Node& n, const Context& c) { return parse_string(n, c); }
  static YAML::Node emit(const std::string& v) { return YAML::Node(v); }
  static std::string type_name() { return "string"; }
};

template <class T>
struct Codec<std::vector<T>> {
  static std::vector<T> parse(const YAML::Node& n, const Context& c) {
    if (!n.IsSequence()) c.fail(n, "expected a list of " + Codec<T>::type_name() + ", got " + describe(n));
    std::vector<T> result;
    result.reserve(n.size());
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node item = n[i];
      result.push_back(Codec<T>::parse(item, c.item(i, item)));
    }
    return result;
  }
  static YAML::Node emit(const std::vector<T>& v) {
    YAML::Node node(YAML::NodeType::Sequence);
    bool scalars = true;
    for (const auto& item : v) {
      YAML::Node emitted = Codec<T>::emit(item);
      scalars = scalars && emitted.IsScalar();
      node.push_back(emitted);
    }
    if (scalars) node.SetStyle(YAML::EmitterStyle::Flow);
    return node;
  }
  static std::string type_name() { return "list of " + Codec<T>::type_name(); }
};

template <class T>
struct Codec<std::optional<T>> {
  static std::optional<T> parse(const YAML::Node& n, const Context& c) {
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    return Codec<T>::parse(n, c);
  }
  static YAML::Node emit(const std::optional<T>& v) {
    return v ? Codec<T>::emit(*v) : YAML::Node(YAML::NodeType::Null);
  }
  static std::string type_name() { return Codec<T>::type_name() + " or null"; }
};

}  // namespace attune::config
