#include "core/registry/plugin_loader.h"

#include <dlfcn.h>

#include "core/error.h"
#include "core/registry/registry.h"

namespace attune {
namespace detail {
void begin_staging();
void end_staging(bool accept, const std::string& origin);
}  // namespace detail

namespace {

std::vector<std::string>& loaded() {
  static auto* paths = new std::vector<std::string>();
  return *paths;
}

std::vector<std::string> split_fields(const std::string& signature) {
  std::vector<std::string> fields;
  size_t begin = 0;
  for (size_t end; (end = signature.find(';', begin)) != std::string::npos; begin = end + 1) {
    fields.push_back(signature.substr(begin, end - begin));
  }
  fields.push_back(signature.substr(begin));
  return fields;
}

// The plugin's build signature against attune's, field by field: code built
// against other headers, another LibTorch or another C++ library ABI must not run.
void check_build_signature(void* handle, const std::string& canonical, const std::string& where) {
  using BuildFunction = const char* (*)();
  auto build = reinterpret_cast<BuildFunction>(dlsym(handle, "attune_plugin_build"));
  const std::string mine = detail::core_build_signature();
  if (!build) {
    detail::end_staging(false, canonical);
    input_error(
        "{}: plugin {} was built against an attune older than 0.2.0 (it records no build signature); "
        "rebuild it against this attune ({})",
        where, canonical, mine);
  }
  const auto theirs = split_fields(build()), ours = split_fields(mine);
  std::string differences;
  for (size_t i = 0; i < std::max(theirs.size(), ours.size()); ++i) {
    const std::string a = i < theirs.size() ? theirs[i] : "(nothing)", b = i < ours.size() ? ours[i] : "(nothing)";
    if (a != b)
      differences += fmt::format("{}built with {}, this attune with {}", differences.empty() ? "" : "; ", a, b);
  }
  if (differences.empty()) return;
  detail::end_staging(false, canonical);
  input_error(
      "{}: plugin {} does not match this attune: {}; rebuild the plugin against this attune's headers "
      "(find_package(attune) of this installation)",
      where, canonical, differences);
}

}  // namespace

const std::vector<std::string>& loaded_plugins() {
  return loaded();
}

void load_plugin(const std::filesystem::path& path, const std::string& where) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    input_error("{}: plugin not found: {}", where, path.string());
  }
  const std::string canonical = std::filesystem::canonical(path, error).string();
  for (const auto& done : loaded()) {
    if (done == canonical) return;
  }

  // Registrations run by the library's static constructors are held until its
  // API version is known: code built against other headers must not run.
  detail::begin_staging();
  void* handle = dlopen(canonical.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    detail::end_staging(false, canonical);
    input_error("{}: cannot load plugin {}: {}", where, canonical, dlerror());
  }
  using VersionFunction = int (*)();
  auto version = reinterpret_cast<VersionFunction>(dlsym(handle, "attune_plugin_api_version"));
  // dlsym also searches the library's dependencies: the symbol must be its own.
  Dl_info info{};
  const bool own = version && dladdr(reinterpret_cast<void*>(version), &info) && info.dli_fname &&
                   std::filesystem::canonical(info.dli_fname, error).string() == canonical;
  if (!own) {
    detail::end_staging(false, canonical);
    input_error(
        "{}: {} is not an attune plugin: it defines no attune_plugin_api_version (a plugin "
        "registers at least one component with an ATTUNE_REGISTER_* macro)",
        where, canonical);
  }
  const int plugin_version = version();
  if (plugin_version != ATTUNE_PLUGIN_API_VERSION) {
    detail::end_staging(false, canonical);
    input_error(
        "{}: plugin {} was built against attune plugin API version {}, but this attune has "
        "version {}; rebuild the plugin against this attune's headers",
        where, canonical, plugin_version, ATTUNE_PLUGIN_API_VERSION);
  }
  check_build_signature(handle, canonical, where);
  try {
    detail::end_staging(true, canonical);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {}", where, e.what()));
  }
  loaded().push_back(canonical);
  // The handle is never closed: registered factories point into the library.
}

}  // namespace attune
