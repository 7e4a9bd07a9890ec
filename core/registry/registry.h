#pragma once

#include <torch/version.h>
#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/config/schema.h"
#include "core/error.h"
#include "core/version.h"

namespace attune {

/// A registered factory: a name, its options schema and how to build it.
/// `Kind` is a traits struct: `Base` (what is built), `Args` (what the
/// builder passes besides the options), `kName` ("scheduler").
template <class Kind>
struct RegistryEntry {
  std::string name;
  std::string help;
  std::string origin;  // "built-in" or the plugin's path
  std::shared_ptr<const config::SchemaBase> schema;
  std::function<std::shared_ptr<typename Kind::Base>(const YAML::Node& options, const typename Kind::Args& args)>
      create;
  /// How many parameters `create` would make, from the options and args
  /// alone, without allocating any (models: attune refuses one too big for
  /// the machine before building it). Empty when the class has no static
  /// `int64_t parameter_count(const Options&, const Args&)`, which plugins
  /// need not write; counts too large for int64_t read INT64_MAX.
  std::function<int64_t(const YAML::Node& options, const typename Kind::Args& args)> parameter_count;
};

namespace detail {
/// The context for re-reading options that were already validated.
config::Context resolved_context(const std::string& what);
/// Whether Class has a static `parameter_count(const Options&, const Args&)`.
template <class Class, class Options, class Args, class = void>
struct has_parameter_count : std::false_type {};
template <class Class, class Options, class Args>
struct has_parameter_count<
    Class, Options, Args,
    std::void_t<decltype(Class::parameter_count(std::declval<const Options&>(), std::declval<const Args&>()))>>
    : std::true_type {};
/// The origin that registrations made now get: "built-in" or a plugin path.
const std::string& current_origin();
/// A registration waiting for its module to be accepted (see plugin_loader).
using RegistrationFunction = void (*)();
/// Queues `fn`. Built-ins run at first use of any registry; a plugin's run
/// only after its API version was checked. Returns true (for static init).
bool defer_registration(RegistrationFunction fn);
/// Runs queued registrations unless a plugin is being loaded.
void run_pending_registrations();
}  // namespace detail

/// Name -> factory for one kind of component. One instance per kind lives in
/// the core library, shared by the executable, the tests and all plugins.
template <class Kind>
class Registry {
 public:
  using Base = typename Kind::Base;
  using Args = typename Kind::Args;

  /// Adds an entry; a name already taken is an error naming both origins.
  void add(RegistryEntry<Kind> entry) {
    if (auto it = entries_.find(entry.name); it != entries_.end()) {
      input_error("{} `{}` from {} is already registered by {}; choose another name", Kind::kName, entry.name,
                  entry.origin, it->second.origin);
    }
    entries_.emplace(entry.name, std::move(entry));
  }

  /// Adds `Class` under `name`: Class::Options is its option struct, and it is
  /// built with `Class(options, args)` or `Class::create(options, args)`.
  /// A static `Class::parameter_count(options, args)`, where there is one,
  /// becomes the entry's parameter_count.
  template <class Class>
  void add(const std::string& name, const std::string& help) {
    using Options = typename Class::Options;
    RegistryEntry<Kind> entry;
    entry.name = name;
    entry.help = help;
    entry.origin = detail::current_origin();
    entry.schema = std::shared_ptr<const config::SchemaBase>(&config::Schema<Options>::instance(),
                                                             [](const config::SchemaBase*) {});
    entry.create = [name](const YAML::Node& options, const Args& args) -> std::shared_ptr<Base> {
      const Options parsed = config::Schema<Options>::instance().parse(options, detail::resolved_context(name));
      if constexpr (std::is_constructible_v<Class, const Options&, const Args&>) {
        return std::make_shared<Class>(parsed, args);
      } else {
        return Class::create(parsed, args);
      }
    };
    if constexpr (detail::has_parameter_count<Class, Options, Args>::value) {
      entry.parameter_count = [name](const YAML::Node& options, const Args& args) -> int64_t {
        const Options parsed = config::Schema<Options>::instance().parse(options, detail::resolved_context(name));
        return Class::parameter_count(parsed, args);
      };
    }
    add(std::move(entry));
  }

  const RegistryEntry<Kind>* find(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }

  /// Sorted names.
  std::vector<std::string> names() const {
    std::vector<std::string> result;
    for (const auto& kv : entries_) result.push_back(kv.first);
    return result;
  }

  const std::map<std::string, RegistryEntry<Kind>>& entries() const { return entries_; }

 private:
  std::map<std::string, RegistryEntry<Kind>> entries_;
};

/// The registry of `Kind`, defined once in the core library (see
/// ATTUNE_DEFINE_REGISTRY) so that every module shares it.
template <class Kind>
Registry<Kind>& registry();

}  // namespace attune

/// Defines registry<Kind>() in exactly one core .cpp file per kind.
#define ATTUNE_DEFINE_REGISTRY(KIND)                        \
  template <>                                               \
  ::attune::Registry<KIND>& ::attune::registry<KIND>() {    \
    static auto* instance = new ::attune::Registry<KIND>(); \
    ::attune::detail::run_pending_registrations();          \
    return *instance;                                       \
  }

/// Bumped whenever a change to attune's headers breaks compiled plugins
/// (2: registry entries count a model's parameters; `kind:` selectors).
#ifndef ATTUNE_PLUGIN_API_VERSION
#define ATTUNE_PLUGIN_API_VERSION 2
#endif

/// What a plugin and the attune that loads it must agree on, fixed when each
/// is compiled: attune's version, the LibTorch headers, and the C++ standard
/// library's ABI (libstdc++'s dual ABI: pip's LibTorch wheels have long used
/// the old one, Debian's the new). Fields are separated by `;`; the loader
/// names each that differs.
#ifndef ATTUNE_BUILT_TORCH_VERSION
#define ATTUNE_BUILT_TORCH_VERSION TORCH_VERSION
#endif
#define ATTUNE_STRINGIFY_INNER(x) #x
#define ATTUNE_STRINGIFY(x) ATTUNE_STRINGIFY_INNER(x)
#if defined(_LIBCPP_VERSION)
#define ATTUNE_CXX_LIBRARY "libc++"
#elif defined(_GLIBCXX_USE_CXX11_ABI)
#define ATTUNE_CXX_LIBRARY "libstdc++ with _GLIBCXX_USE_CXX11_ABI=" ATTUNE_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#else
#define ATTUNE_CXX_LIBRARY "unknown"
#endif
#define ATTUNE_BUILD_SIGNATURE                                                                       \
  "attune " ATTUNE_VERSION                                                                           \
  ";plugin API " ATTUNE_STRINGIFY(ATTUNE_PLUGIN_API_VERSION) ";LibTorch " ATTUNE_BUILT_TORCH_VERSION \
                                                             ";C++ library " ATTUNE_CXX_LIBRARY

namespace attune::detail {
/// ATTUNE_BUILD_SIGNATURE as attune's own library was compiled.
const char* core_build_signature();
}  // namespace attune::detail

#define ATTUNE_CONCAT_INNER(a, b) a##b
#define ATTUNE_CONCAT(a, b) ATTUNE_CONCAT_INNER(a, b)

// In a plugin, every registration also defines the (weak, so repeatable) entry
// point that the loader checks before running any registration.
#ifdef ATTUNE_BUILDING_CORE
#define ATTUNE_PLUGIN_ENTRY_POINT
#else
#define ATTUNE_PLUGIN_ENTRY_POINT                                                             \
  extern "C" __attribute__((weak, visibility("default"))) int attune_plugin_api_version() {   \
    return ATTUNE_PLUGIN_API_VERSION;                                                         \
  }                                                                                           \
  extern "C" __attribute__((weak, visibility("default"))) const char* attune_plugin_build() { \
    return ATTUNE_BUILD_SIGNATURE;                                                            \
  }
#endif

/// Registers CLASS under NAME in the registry of KIND, from a built-in source
/// file or a plugin alike. Use the per-kind forms (ATTUNE_REGISTER_SCHEDULER...).
/// The names it defines are numbered by __COUNTER__, unique also where several
/// sources are compiled as one (unity builds).
#define ATTUNE_REGISTER(KIND, NAME, CLASS, HELP) ATTUNE_REGISTER_NUMBERED(KIND, NAME, CLASS, HELP, __COUNTER__)
#define ATTUNE_REGISTER_NUMBERED(KIND, NAME, CLASS, HELP, ID)                     \
  ATTUNE_PLUGIN_ENTRY_POINT                                                       \
  namespace {                                                                     \
  void ATTUNE_CONCAT(attune_register_, ID)() {                                    \
    ::attune::registry<KIND>().template add<CLASS>(NAME, HELP);                   \
  }                                                                               \
  [[maybe_unused]] const bool ATTUNE_CONCAT(attune_registered_, ID) =             \
      ::attune::detail::defer_registration(&ATTUNE_CONCAT(attune_register_, ID)); \
  }
