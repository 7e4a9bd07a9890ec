#include "core/config/codec.h"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/text/suggest.h"

namespace attune::config {
namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

void require_scalar(const YAML::Node& n, const Context& c, const char* expected) {
  if (!n.IsDefined() || !n.IsScalar()) {
    c.fail(n, fmt::format("expected {}, got {}", expected, describe(n)));
  }
}

}  // namespace

bool parse_bool(const YAML::Node& n, const Context& c) {
  require_scalar(n, c, "true or false");
  const std::string text = lower(n.Scalar());
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  c.fail(n, fmt::format("expected true or false, got `{}`", n.Scalar()));
}

int64_t parse_int(const YAML::Node& n, const Context& c) {
  require_scalar(n, c, "an integer");
  const std::string& text = n.Scalar();
  int64_t value = 0;
  const char* begin = text.data();
  if (!text.empty() && text[0] == '+') ++begin;
  auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range) c.fail(n, fmt::format("integer `{}` is out of range", text));
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    c.fail(n, fmt::format("expected an integer, got `{}`", text));
  }
  return value;
}

double parse_double(const YAML::Node& n, const Context& c) {
  require_scalar(n, c, "a number");
  const std::string& text = n.Scalar();
  if (text.empty()) c.fail(n, "expected a number, got an empty value");
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  // strtod also accepts "nan", "inf" and hex floats: a config wants none of them.
  const bool plain = text.find_first_of("xXnN") == std::string::npos && lower(text).find("inf") == std::string::npos;
  if (end != text.c_str() + text.size() || !plain) {
    c.fail(n, fmt::format("expected a number, got `{}`", text));
  }
  if (errno == ERANGE && std::isinf(value)) c.fail(n, fmt::format("number `{}` is out of range", text));
  return value;
}

std::string parse_string(const YAML::Node& n, const Context& c) {
  require_scalar(n, c, "a string");
  return n.Scalar();
}

YAML::Node emit_double(double value) {
  // fmt's "{}" is the shortest text that reads back as the same double.
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return YAML::Node(text);
}

namespace detail {

void check_choice(const std::string& value, const std::vector<std::string>& choices, const YAML::Node& node,
                  const Context& ctx) {
  for (const auto& choice : choices) {
    if (value == choice) return;
  }
  ctx.fail(node, fmt::format("`{}` is not one of {}{}", value, quoted_list(choices), did_you_mean(value, choices)));
}

}  // namespace detail

}  // namespace attune::config
