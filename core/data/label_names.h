#pragma once

#include <string>
#include <vector>

namespace attune {

/// The distinct labels of a column in id order: integer labels sort as
/// numbers ("2" before "10"), others as strings. Every classification
/// dataset maps labels to ids this way, so ids do not depend on row order.
std::vector<std::string> sorted_label_names(std::vector<std::string> labels);

}  // namespace attune
