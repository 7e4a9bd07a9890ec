#pragma once

#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "initializers/initializer.h"

namespace attune {

/// One entry of `init:`: parameters whose name matches the glob `match` and
/// that are of `kind` (if given: a module kind, `bias` or `norm`) get `type`
/// with its options.
struct InitRule {
  std::string match = "*";
  ParamKinds kind;
  Component<InitializerKind> initializer;
  static void declare(config::Schema<InitRule>& s);
};

/// What happened to one parameter, a row of init_report.csv.
struct InitReportRow {
  std::string name;
  std::vector<int64_t> shape;
  int rule = -1;            // index into the rules, -1 = module default
  std::string rule_label;   // "init[2]", or "model[0]" for a model's own rules
  std::string initializer;  // type, or "default"
  double mean = 0.0;
  double std = 0.0;
  std::string note;  // e.g. "missing in the checkpoint: kept default"
};

/// Applies the rules in order of parameters: each parameter gets the last
/// rule that matches it; parameters no rule matches keep the module's own
/// initialisation. A rule that matches no parameter is an error listing the
/// closest names. Returns a row per parameter.
/// `model_rules` come first: a model's own defaults (bert_classifier's
/// pretrained weights), which the config's `init:` rules then override.
std::vector<InitReportRow> apply_init_rules(torch::nn::Module& model, const std::vector<InitRule>& rules,
                                            const std::vector<InitRule>& model_rules = {});

/// Writes the rows as CSV (name,shape,rule,initializer,mean,std,note), atomically.
void write_init_report(const std::string& path, const std::vector<InitReportRow>& rows);

}  // namespace attune
