#include "core/data/label_names.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace attune {
namespace {

bool parse_integer(const std::string& text, int64_t& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

std::vector<std::string> sorted_label_names(std::vector<std::string> labels) {
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  int64_t a = 0, b = 0;
  const bool numeric = std::all_of(labels.begin(), labels.end(), [&](const auto& l) { return parse_integer(l, a); });
  if (numeric) {
    std::sort(labels.begin(), labels.end(), [&](const auto& x, const auto& y) {
      parse_integer(x, a);
      parse_integer(y, b);
      return a < b;
    });
  }
  return labels;
}

}  // namespace attune
