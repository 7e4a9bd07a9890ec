#include "initializers/init_rules.h"

#include <fmt/ranges.h>  // fmt::join (in ranges.h from fmt 10 on)
#include <fnmatch.h>

#include "core/io/atomic_file.h"
#include "core/text/suggest.h"

namespace attune {

void InitRule::declare(config::Schema<InitRule>& s) {
  s.component(&InitRule::initializer);
  s.field("match", &InitRule::match, "glob over parameter names, e.g. `encoder.layers.*.attn.*.weight`");
  s.field("kind", &InitRule::kind,
          "only parameters of this kind, or of any of a list of kinds: a module kind, `norm` (any normalization), "
          "`bias` (every bias); empty = any");
}

namespace {

struct NamedParam {
  ParamInfo info;
  torch::Tensor tensor;
};

std::vector<NamedParam> collect(torch::nn::Module& model) {
  std::vector<NamedParam> result;
  for (auto& [info, tensor] : describe_parameters(model)) result.push_back({std::move(info), std::move(tensor)});
  return result;
}

bool matches(const InitRule& rule, const ParamInfo& info) {
  return fnmatch(rule.match.c_str(), info.name.c_str(), 0) == 0 && is_of_kind(rule.kind, info);
}

}  // namespace

std::vector<InitReportRow> apply_init_rules(torch::nn::Module& model, const std::vector<InitRule>& user_rules,
                                            const std::vector<InitRule>& model_rules) {
  torch::NoGradGuard no_grad;
  auto params = collect(model);
  std::vector<InitRule> rules = model_rules;
  rules.insert(rules.end(), user_rules.begin(), user_rules.end());
  auto label = [&](size_t r) {
    return r < model_rules.size() ? fmt::format("model[{}]", r) : fmt::format("init[{}]", r - model_rules.size());
  };
  std::vector<std::shared_ptr<Initializer>> initializers;
  for (const auto& rule : rules) initializers.push_back(rule.initializer.create({}));

  std::vector<bool> used(rules.size(), false), matched(rules.size(), false);
  std::vector<InitReportRow> rows;
  for (auto& param : params) {
    InitReportRow row;
    row.name = param.info.name;
    row.shape = param.tensor.sizes().vec();
    row.initializer = "default";
    for (size_t r = 0; r < rules.size(); ++r) matched[r] = matched[r] || matches(rules[r], param.info);
    // The last matching rule wins; one that leaves the parameter as it was (a
    // checkpoint without it) hands over to the matching rule before it.
    for (size_t r = rules.size(); r-- > 0;) {
      if (!matches(rules[r], param.info)) continue;
      used[r] = true;
      if (initializers[r]->apply(param.tensor, param.info)) {
        row.rule = static_cast<int>(r);
        row.rule_label = label(r);
        row.initializer = rules[r].initializer.type;
        break;
      }
      row.note += fmt::format("{}not in {}'s checkpoint", row.note.empty() ? "" : "; ", label(r));
    }
    if (row.rule < 0) row.note += row.note.empty() ? "no rule matched: module default" : ": module default";
    rows.push_back(row);
  }
  for (size_t r = 0; r < rules.size(); ++r) {
    if (!used[r]) continue;
    const std::string note = initializers[r]->finish();
    if (!note.empty()) fmt::print(stderr, "{} ({}): {}\n", label(r), rules[r].initializer.type, note);
  }
  for (size_t r = 0; r < rules.size(); ++r) {
    if (matched[r]) continue;
    std::vector<std::string> names;
    for (const auto& param : params) names.push_back(param.info.name);
    input_error("{}: rule (match: `{}`{}) matches no parameter{}; parameters are named like `{}`", label(r),
                rules[r].match, rules[r].kind.empty() ? "" : fmt::format(", kind: {}", kind_names(rules[r].kind)),
                did_you_mean(rules[r].match, names), names.empty() ? "" : names.front());
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const auto t = params[i].tensor.to(torch::kDouble);
    rows[i].mean = t.mean().item<double>();
    rows[i].std = t.numel() > 1 ? t.std().item<double>() : 0.0;
  }
  return rows;
}

void write_init_report(const std::string& path, const std::vector<InitReportRow>& rows) {
  std::string text = "name,shape,rule,initializer,mean,std,note\n";
  for (const auto& row : rows) {
    text += fmt::format("{},{},{},{},{:.6g},{:.6g},{}\n", row.name, fmt::join(row.shape, "x"), row.rule_label,
                        row.initializer, row.mean, row.std, row.note);
  }
  write_file_atomically(path, text);
}

}  // namespace attune
