// `attune docs`: the YAML reference in Markdown, generated from the same
// declarations that validate configs (docs/yaml-reference.md is this output).
#include <fmt/format.h>

#include <memory>

#include "core/cli/commands.h"
#include "core/cli/kinds.h"
#include "core/experiment/experiment_config.h"

namespace attune::cli {
namespace {

std::string escape(std::string text) {
  std::string result;
  for (char c : text) result += c == '|' ? std::string("\\|") : std::string(1, c);
  return result;
}

void print_table(const std::vector<config::FieldDoc>& docs, const std::string& prefix, std::string& out) {
  for (const auto& doc : docs) {
    const std::string key = prefix + doc.name;
    const std::string help = doc.constraint.empty() ? doc.help : doc.help + " (" + doc.constraint + ")";
    const std::string type = doc.children.empty() ? doc.type : (doc.type == "map" ? "map" : doc.type);
    const std::string value = doc.children.empty() ? "`" + escape(doc.default_value) + "`" : "";
    out += fmt::format("| `{}` | {} | {} | {} |\n", key, escape(type), value, escape(help));
    if (!doc.children.empty()) {
      const bool list = doc.type.rfind("list", 0) == 0;
      print_table(doc.children, key + (list ? "[]." : "."), out);
    }
  }
}

}  // namespace

std::string yaml_reference() {
  std::string out = "| key | type | default | meaning |\n| --- | --- | --- | --- |\n";
  print_table(config::Schema<ExperimentConfig>::instance().docs(), "", out);
  for_each_kind([&](auto kind) {
    using Kind = decltype(kind);
    out += fmt::format("\n#### {}\n", Kind::kPlural);
    for (const auto& [name, entry] : registry<Kind>().entries()) {
      if (entry.origin != "built-in") continue;
      out += fmt::format("\n`{}`: {}\n", name, entry.help);
      const auto docs = entry.schema->docs();
      if (docs.empty()) continue;
      out += "\n| key | type | default | meaning |\n| --- | --- | --- | --- |\n";
      print_table(docs, "", out);
    }
  });
  return out;
}

CommandRunner add_docs_command(CLI::App& app) {
  app.add_subcommand("docs", "print the YAML reference (Markdown) of every key and registered component");
  return []() {
    fmt::print("{}", yaml_reference());
    return 0;
  };
}

}  // namespace attune::cli
