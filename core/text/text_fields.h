#pragma once

// Small checks on text read from users' files, shared by the readers.
#include <cstdlib>
#include <string>
#include <string_view>

namespace attune {

inline bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

inline bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Reads a whole cell as a number (surrounding spaces allowed, as CSV writers
/// add them; `nan` and `inf` are numbers here: callers that want finite
/// values check). False when anything else is in the cell.
inline bool parse_number(const std::string& text, double& value) {
  const char* begin = text.c_str();
  char* end = nullptr;
  value = std::strtod(begin, &end);
  if (end == begin) return false;
  while (*end == ' ') ++end;
  return *end == '\0';
}

}  // namespace attune
