#include "core/registry/registry.h"

namespace attune::detail {
namespace {

struct PendingRegistrations {
  std::vector<RegistrationFunction> functions;
  std::string origin = "built-in";
  bool staging = false;  // a plugin is being loaded: hold its registrations
  bool running = false;
};

PendingRegistrations& pending() {
  static auto* instance = new PendingRegistrations();
  return *instance;
}

}  // namespace

const char* core_build_signature() {
  return ATTUNE_BUILD_SIGNATURE;
}

config::Context resolved_context(const std::string& what) {
  config::Context ctx("<resolved " + what + " options>", std::filesystem::current_path());
  // Checked when the document was loaded; a run used for predictions has no
  // training files to find again.
  ctx.set_inputs_only(true);
  return ctx;
}

const std::string& current_origin() {
  return pending().origin;
}

bool defer_registration(RegistrationFunction fn) {
  pending().functions.push_back(fn);
  return true;
}

void run_pending_registrations() {
  auto& state = pending();
  if (state.staging || state.running) return;
  state.running = true;
  // A registration may use a registry, which calls back here: `running` keeps
  // that from recursing, and the index loop sees functions queued meanwhile.
  try {
    for (size_t i = 0; i < state.functions.size(); ++i) state.functions[i]();
  } catch (...) {
    state.functions.clear();
    state.running = false;
    throw;
  }
  state.functions.clear();
  state.running = false;
}

/// Used by the plugin loader: hold registrations while a library loads, then
/// run them under its name or drop them.
void begin_staging() {
  run_pending_registrations();
  pending().staging = true;
}

void end_staging(bool accept, const std::string& origin) {
  auto& state = pending();
  state.staging = false;
  if (!accept) {
    state.functions.clear();
    return;
  }
  state.origin = origin;
  try {
    run_pending_registrations();
  } catch (...) {
    state.origin = "built-in";
    throw;
  }
  state.origin = "built-in";
}

}  // namespace attune::detail
