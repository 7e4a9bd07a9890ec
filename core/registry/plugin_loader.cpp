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
  try {
    detail::end_staging(true, canonical);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {}", where, e.what()));
  }
  loaded().push_back(canonical);
  // The handle is never closed: registered factories point into the library.
}

}  // namespace attune
