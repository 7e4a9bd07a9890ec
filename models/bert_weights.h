#pragma once

#include <string>
#include <vector>

#include "initializers/init_rules.h"

namespace attune {

/// The init rules that load a HuggingFace BERT checkpoint into attune's BERT:
/// HuggingFace's own initialization (`bert`) for everything, then the
/// checkpoint's weights wherever it has them, its keys taken as the hub has
/// them: with or without the `bert.` prefix, legacy LayerNorm gamma/beta,
/// pretraining heads (`cls.*`) and the position_ids buffer skipped. `weights`
/// is the folder or a weights file in it; `extra_ignore` adds skipped keys.
std::vector<InitRule> bert_weight_rules(const std::string& weights, double initializer_range,
                                        const std::vector<std::string>& extra_ignore = {});

}  // namespace attune
