#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
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

/// An enum option declares its YAML names once, beside the enum, with a
/// function that argument-dependent lookup finds:
///
///     enum class Pooling { mean, cls };
///     inline const config::EnumNames<Pooling>& enum_names(Pooling) {
///       static const config::EnumNames<Pooling> names = {{Pooling::mean, "mean"}, {Pooling::cls, "cls"}};
///       return names;
///     }
///
/// Its codec reads and writes those names (an unknown one is an error with a
/// suggestion), the schema documents them as "one of: ...", and name_of gives
/// them back for messages. Code then switches on the enum: a typo in a name is
/// a compile error, not a silent else branch.
template <class E>
using EnumNames = std::vector<std::pair<E, std::string>>;

template <class E, class = void>
struct has_enum_names : std::false_type {};
template <class E>
struct has_enum_names<E, std::void_t<decltype(enum_names(std::declval<E>()))>> : std::true_type {};

/// The YAML names of enum E, in their declared order.
template <class E>
std::vector<std::string> enum_choices() {
  std::vector<std::string> names;
  for (const auto& entry : enum_names(E{})) names.push_back(entry.second);
  return names;
}

/// The value of enum E whose YAML name is `text`, if there is one.
template <class E>
std::optional<E> enum_named(const std::string& text) {
  for (const auto& [value, name] : enum_names(E{})) {
    if (name == text) return value;
  }
  return std::nullopt;
}

/// The YAML name of an enum value.
template <class E>
const std::string& name_of(E value) {
  for (const auto& entry : enum_names(value)) {
    if (entry.first == value) return entry.second;
  }
  static const std::string unnamed = "?";
  return unnamed;
}

namespace detail {
/// Fails (naming the choices and the nearest one) unless `value` is among `choices`.
void check_choice(const std::string& value, const std::vector<std::string>& choices, const YAML::Node& node,
                  const Context& ctx);
}  // namespace detail

template <class E>
struct Codec<E, std::enable_if_t<std::is_enum_v<E> && has_enum_names<E>::value>> {
  static E parse(const YAML::Node& n, const Context& c) {
    const std::string text = parse_string(n, c);
    if (const auto value = enum_named<E>(text)) return *value;
    detail::check_choice(text, enum_choices<E>(), n, c);  // throws: not a name
    return E{};
  }
  static YAML::Node emit(E v) { return YAML::Node(name_of(v)); }
  static std::string type_name() { return "string"; }
};

}  // namespace attune::config
