#pragma once

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "core/config/codec.h"
#include "core/config/context.h"

namespace attune::config {

/// One option as `attune docs` and docs/yaml-reference.md show it.
struct FieldDoc {
  std::string name;
  std::string type;
  std::string default_value;
  std::string help;
  std::string constraint;          // "> 0", "one of: a, b", "existing file", ...
  std::vector<FieldDoc> children;  // keys of a nested map (or of each list item)
};

/// A schema without its struct type: validates a YAML map and returns it
/// resolved (defaults filled in, paths absolute). Registries hold these.
class SchemaBase {
 public:
  virtual ~SchemaBase() = default;
  /// `sibling_keys` are keys of an enclosing section that share this map, so
  /// a typo of one of them still gets a suggestion.
  virtual YAML::Node resolve(const YAML::Node& node, const Context& ctx,
                             const std::vector<std::string>& sibling_keys = {}) const = 0;
  virtual std::vector<FieldDoc> docs() const = 0;
  virtual std::vector<std::string> keys() const = 0;
};

template <class T>
class Schema;

/// True for structs that declare their options: `static void declare(Schema<T>&)`.
template <class T, class = void>
struct has_schema : std::false_type {};
template <class T>
struct has_schema<T, std::void_t<decltype(T::declare(std::declval<Schema<T>&>()))>> : std::true_type {};

/// For components that take no options.
struct NoOptions {
  static void declare(Schema<NoOptions>&) {}
};

/// What a path option must point at.
/// What a path option must name. `training_data` is an existing file, except
/// where only a run's inputs are read (predict, export): a run's training
/// files need not exist on the machine that uses the trained model.
enum class PathKind { existing_file, existing_directory, existing_any, output, training_data };

namespace detail {

template <class M>
struct is_optional : std::false_type {};
template <class M>
struct is_optional<std::optional<M>> : std::true_type {};
template <class M>
struct is_vector : std::false_type {};
template <class M>
struct is_vector<std::vector<M>> : std::true_type {};

/// Components (registry-chosen types) carry `using component_tag = void`.
template <class M, class = void>
struct is_component : std::false_type {};
template <class M>
struct is_component<M, std::void_t<typename M::component_tag>> : std::true_type {};

/// Value types that wrap a list of numbers in `.values` (PerGroup).
template <class M, class = void>
struct has_values : std::false_type {};
template <class M>
struct has_values<M, std::void_t<decltype(std::declval<M>().values)>> : std::true_type {};

template <class T>
class FieldBase {
 public:
  virtual ~FieldBase() = default;
  virtual const std::string& name() const = 0;
  /// `node` is undefined when the key is absent.
  virtual void parse_into(T& target, const YAML::Node& node, const Context& ctx, const YAML::Node& parent) const = 0;
  virtual void emit_from(const T& source, YAML::Node& map) const = 0;
  virtual FieldDoc doc() const = 0;
};

/// Calls `fn(double)` on every number inside a value (scalar, optional, list).
template <class M, class Fn>
void for_each_number(const M& value, Fn&& fn) {
  if constexpr (std::is_arithmetic_v<M> && !std::is_same_v<M, bool>) {
    fn(static_cast<double>(value));
  } else if constexpr (is_optional<M>::value) {
    if (value) for_each_number(*value, fn);
  } else if constexpr (is_vector<M>::value) {
    for (const auto& item : value) for_each_number(item, fn);
  } else if constexpr (has_values<M>::value) {
    for_each_number(value.values, fn);
  }
}

/// Calls `fn(std::string&)` on every string inside a value.
template <class M, class Fn>
void for_each_string(M& value, Fn&& fn) {
  if constexpr (std::is_same_v<M, std::string>) {
    fn(value);
  } else if constexpr (std::is_same_v<M, std::optional<std::string>>) {
    if (value) fn(*value);
  } else if constexpr (std::is_same_v<M, std::vector<std::string>>) {
    for (auto& item : value) fn(item);
  } else if constexpr (has_values<M>::value) {
    for_each_string(value.values, fn);
  }
}

void check_path(std::string& value, PathKind kind, const YAML::Node& node, const Context& ctx);
std::string format_bound(const char* op, double bound);
std::string yaml_text(const YAML::Node& node);

}  // namespace detail

/// One option of a struct: its key, member, help line and checks.
template <class T, class M>
class Field : public detail::FieldBase<T> {
 public:
  Field(std::string name, M T::*member, std::string help)
      : name_(std::move(name)), member_(member), help_(std::move(help)) {
    if constexpr (has_enum_names<M>::value) constraints_.push_back("one of: " + join(enum_choices<M>()));
  }

  /// The key must be given; there is no default.
  Field& required() {
    required_ = true;
    return *this;
  }
  Field& at_least(double bound) {
    return bound_check(">=", bound, [=](double v) { return v >= bound; });
  }
  Field& greater_than(double bound) {
    return bound_check(">", bound, [=](double v) { return v > bound; });
  }
  Field& at_most(double bound) {
    return bound_check("<=", bound, [=](double v) { return v <= bound; });
  }
  Field& less_than(double bound) {
    return bound_check("<", bound, [=](double v) { return v < bound; });
  }
  /// The value (each value, for lists) must be one of `choices`.
  Field& one_of(std::vector<std::string> choices) {
    constraints_.push_back("one of: " + join(choices));
    checks_.push_back([choices](M& value, const YAML::Node& node, const Context& ctx) {
      detail::for_each_string(value, [&](std::string& s) { detail::check_choice(s, choices, node, ctx); });
    });
    return *this;
  }
  /// A path, relative to the YAML file, stored absolute. Empty means unset.
  Field& path(PathKind kind = PathKind::existing_file) {
    static const char* names[] = {"existing file", "existing folder", "existing path", "path", "existing file"};
    constraints_.push_back(names[static_cast<int>(kind)]);
    checks_.push_back([kind](M& value, const YAML::Node& node, const Context& ctx) {
      detail::for_each_string(value, [&](std::string& s) { detail::check_path(s, kind, node, ctx); });
    });
    return *this;
  }

  const std::string& name() const override { return name_; }

  void parse_into(T& target, const YAML::Node& node, const Context& ctx, const YAML::Node& parent) const override {
    if (!node.IsDefined()) {
      if (required_) ctx.fail(parent, "missing required key `" + name_ + "`", " (" + help_ + ")");
      return;
    }
    if constexpr (detail::is_component<M>::value) {
      // A component's member initialiser may name its default type.
      target.*member_ = Codec<M>::parse(node, ctx, {}, (target.*member_).type);
    } else {
      target.*member_ = Codec<M>::parse(node, ctx);
    }
    for (const auto& check : checks_) check(target.*member_, node, ctx);
  }

  void emit_from(const T& source, YAML::Node& map) const override { map[name_] = Codec<M>::emit(source.*member_); }

  FieldDoc doc() const override {
    FieldDoc doc{name_, Codec<M>::type_name(), "", help_, join(constraints_), {}};
    doc.default_value = required_ ? "(required)" : detail::yaml_text(Codec<M>::emit(T{}.*member_));
    if constexpr (has_schema<M>::value) {
      doc.children = Schema<M>::instance().docs();
    } else if constexpr (detail::is_vector<M>::value) {
      if constexpr (has_schema<typename M::value_type>::value) {
        doc.children = Schema<typename M::value_type>::instance().docs();
      }
    }
    return doc;
  }

 private:
  template <class Predicate>
  Field& bound_check(const char* op, double bound, Predicate ok) {
    constraints_.push_back(detail::format_bound(op, bound));
    const std::string text = detail::format_bound(op, bound);
    checks_.push_back([ok, text](M& value, const YAML::Node& node, const Context& ctx) {
      detail::for_each_number(value, [&](double v) {
        if (!ok(v)) ctx.fail(node, fmt::format("must be {}, got {}", text, detail::yaml_text(node)));
      });
    });
    return *this;
  }
  static std::string join(const std::vector<std::string>& items) {
    std::string result;
    for (const auto& item : items) result += (result.empty() ? "" : ", ") + item;
    return result;
  }

  std::string name_;
  M T::*member_;
  std::string help_;
  bool required_ = false;
  std::vector<std::function<void(M&, const YAML::Node&, const Context&)>> checks_;
  std::vector<std::string> constraints_;
};

/// The options of struct T, declared once by `T::declare`: each key with its
/// type, default (T's member initialiser), help and checks. Parsing rejects
/// unknown keys with a suggestion; emitting gives the resolved config.
template <class T>
class Schema : public SchemaBase {
 public:
  /// The schema of T, built once from T::declare.
  static const Schema<T>& instance() {
    static const Schema<T>* schema = [] {
      auto* s = new Schema<T>();
      T::declare(*s);
      return s;
    }();
    return *schema;
  }

  template <class M>
  Field<T, M>& field(std::string name, M T::*member, std::string help) {
    auto field = std::make_unique<Field<T, M>>(std::move(name), member, std::move(help));
    Field<T, M>& ref = *field;
    fields_.push_back(std::move(field));
    return ref;
  }

  /// A registered component (`Component<Kind>`) that takes the map's `type`
  /// key and every key this schema does not declare itself.
  template <class C>
  void component(C T::*member) {
    component_parse_ = [member](T& target, const YAML::Node& node, const Context& ctx,
                                const std::vector<std::string>& siblings) {
      // The member's initialiser names the default type, if it has one.
      target.*member = Codec<C>::parse(node, ctx, siblings, (target.*member).type);
    };
    component_emit_ = [member](const T& source, YAML::Node& map) {
      for (const auto& kv : Codec<C>::emit(source.*member)) map[kv.first] = kv.second;
    };
    component_doc_ = "registered " + Codec<C>::type_name() + " name (listed below)";
    component_default_ = (T{}.*member).type;
  }

  /// A rule across fields, reported at `key`: returns "" when it holds, else
  /// what is wrong ("must be divisible by num_heads (4)").
  void check(std::string key, std::function<std::string(const T&)> rule) {
    checks_.push_back({std::move(key), std::move(rule)});
  }

  T parse(const YAML::Node& node, const Context& ctx, const std::vector<std::string>& sibling_keys = {}) const {
    T value{};
    const YAML::Node map = node.IsDefined() && !node.IsNull() ? node : YAML::Node(YAML::NodeType::Map);
    if (!map.IsMap()) ctx.fail(node, "expected a map with keys " + key_list() + ", got " + describe(node));
    YAML::Node rest(YAML::NodeType::Map);
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (find_field(key)) continue;
      if (component_parse_) {
        rest[it->first] = it->second;
        continue;
      }
      std::vector<std::string> candidates = keys();
      candidates.insert(candidates.end(), sibling_keys.begin(), sibling_keys.end());
      ctx.child(key, it->first)
          .fail(it->first, "unknown key" + did_you_mean_key(key, candidates), "; valid keys: " + key_list());
    }
    for (const auto& field : fields_) {
      const YAML::Node child = map[field->name()];
      field->parse_into(value, child, ctx.child(field->name(), child), map);
    }
    if (component_parse_) {
      std::vector<std::string> siblings = keys();
      siblings.insert(siblings.end(), sibling_keys.begin(), sibling_keys.end());
      component_parse_(value, rest, ctx, siblings);
    }
    for (const auto& check : checks_) {
      const std::string problem = check.rule(value);
      if (!problem.empty()) {
        const YAML::Node at = map[check.key];
        ctx.child(check.key, at).fail(at.IsDefined() ? at : map, problem);
      }
    }
    return value;
  }

  YAML::Node emit(const T& value) const {
    YAML::Node map(YAML::NodeType::Map);
    if (component_emit_) component_emit_(value, map);
    for (const auto& field : fields_) field->emit_from(value, map);
    return map;
  }

  YAML::Node resolve(const YAML::Node& node, const Context& ctx,
                     const std::vector<std::string>& sibling_keys) const override {
    return emit(parse(node, ctx, sibling_keys));
  }

  std::vector<FieldDoc> docs() const override {
    std::vector<FieldDoc> result;
    if (component_emit_) {
      result.push_back(
          {"type", "string", component_default_.empty() ? "(required)" : component_default_, component_doc_, "", {}});
    }
    for (const auto& field : fields_) result.push_back(field->doc());
    return result;
  }

  std::vector<std::string> keys() const override {
    std::vector<std::string> result;
    if (component_emit_) result.push_back("type");
    for (const auto& field : fields_) result.push_back(field->name());
    return result;
  }

 private:
  struct Check {
    std::string key;
    std::function<std::string(const T&)> rule;
  };

  const detail::FieldBase<T>* find_field(const std::string& key) const {
    for (const auto& field : fields_) {
      if (field->name() == key) return field.get();
    }
    return nullptr;
  }
  std::string key_list() const {
    std::string result;
    for (const auto& key : keys()) result += (result.empty() ? "`" : ", `") + key + "`";
    return result.empty() ? "(none)" : result;
  }
  static std::string did_you_mean_key(const std::string& key, const std::vector<std::string>& candidates);

  std::vector<std::unique_ptr<detail::FieldBase<T>>> fields_;
  std::vector<Check> checks_;
  std::function<void(T&, const YAML::Node&, const Context&, const std::vector<std::string>&)> component_parse_;
  std::function<void(const T&, YAML::Node&)> component_emit_;
  std::string component_doc_;
  std::string component_default_;
};

/// Structs with a schema are parsed and emitted through it.
template <class T>
struct Codec<T, std::enable_if_t<has_schema<T>::value>> {
  static T parse(const YAML::Node& n, const Context& c) { return Schema<T>::instance().parse(n, c); }
  static YAML::Node emit(const T& v) { return Schema<T>::instance().emit(v); }
  static std::string type_name() { return "map"; }
};

std::string did_you_mean_text(const std::string& word, const std::vector<std::string>& candidates);

template <class T>
std::string Schema<T>::did_you_mean_key(const std::string& key, const std::vector<std::string>& candidates) {
  return did_you_mean_text(key, candidates);
}

}  // namespace attune::config
