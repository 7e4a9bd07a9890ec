#include <fmt/format.h>

#include <memory>

#include "core/cli/commands.h"
#include "core/cli/kinds.h"
#include "core/registry/plugin_loader.h"

namespace attune::cli {

CommandRunner add_list_command(CLI::App& app) {
  struct Arguments {
    std::string kind;
    std::vector<std::string> plugins;
  };
  auto args = std::make_shared<Arguments>();
  auto* command = app.add_subcommand("list", "list registered components, plugins included");
  command->add_option("kind", args->kind,
                      "models | datasets | tokenizers | initializers | optimizers | schedulers (default: all)");
  add_plugin_option(*command, args->plugins);
  return [args]() {
    for (const auto& plugin : args->plugins) {
      load_plugin(std::filesystem::absolute(plugin).lexically_normal(), "--plugin " + plugin);
    }
    std::vector<std::string> kinds;
    bool found = args->kind.empty();
    for_each_kind([&](auto kind) {
      using Kind = decltype(kind);
      kinds.push_back(Kind::kPlural);
      if (!args->kind.empty() && args->kind != Kind::kPlural && args->kind != Kind::kName) return;
      found = true;
      fmt::print("{}:\n", Kind::kPlural);
      for (const auto& [name, entry] : registry<Kind>().entries()) {
        const std::string origin = entry.origin == "built-in" ? "" : fmt::format("  [plugin {}]", entry.origin);
        fmt::print("  {:<24} {}{}\n", name, entry.help, origin);
      }
      if (registry<Kind>().entries().empty()) {
        fmt::print("  (none built in: plugins add them, `--plugin LIB` or `plugins:` in an experiment)\n");
      }
    });
    if (!found) {
      input_error("list: unknown kind `{}`{}; kinds: {}", args->kind, did_you_mean(args->kind, kinds),
                  quoted_list(kinds));
    }
    return 0;
  };
}

}  // namespace attune::cli
