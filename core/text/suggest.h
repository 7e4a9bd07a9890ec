#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attune {

/// The candidate closest to `word` by edit distance (case-insensitive,
/// transpositions count as one edit), if one is close enough to be a likely
/// typo of it.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

/// " (did you mean `x`?)" for the closest candidate, or "" when none is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

/// "`a`, `b`, `c`": candidates quoted and joined, for "expected one of" lists.
std::string quoted_list(const std::vector<std::string>& items);

}  // namespace attune
