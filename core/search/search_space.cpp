#include "core/search/search_space.h"

#include <fmt/format.h>

#include <cmath>

#include "core/text/suggest.h"

namespace attune::config {
namespace {

/// The distribution `kind` names; fails naming the known ones otherwise.
Distribution parse_distribution(const YAML::Node& kind, const Context& at) {
  const std::string name = parse_string(kind, at);
  if (const auto value = enum_named<Distribution>(name)) return *value;
  const std::vector<std::string> kinds = enum_choices<Distribution>();
  at.fail(kind, fmt::format("unknown distribution `{}`{}", name, did_you_mean(name, kinds)),
          "; one of " + quoted_list(kinds));
  return Distribution::choice;
}

}  // namespace

SearchSpace Codec<SearchSpace>::parse(const YAML::Node& node, const Context& ctx) {
  SearchSpace space;
  if (!node.IsDefined() || node.IsNull()) return space;
  if (!node.IsMap()) ctx.fail(node, "expected a map of config keys to lists or distributions, got " + describe(node));
  for (auto it = node.begin(); it != node.end(); ++it) {
    // yaml-cpp's iterator hands out a temporary pair: keep the value node, not
    // a reference into it (a range-for over `it->second` read freed memory).
    const YAML::Node spec = it->second;
    SearchDimension d;
    d.key = it->first.Scalar();
    d.source = spec;
    const Context at = ctx.child(d.key, spec);
    if (d.key.empty() || d.key.front() == '.' || d.key.back() == '.' || d.key.find("..") != std::string::npos) {
      at.fail(it->first, "expected a dotted config key such as `optimizer.lr`");
    }
    if (spec.IsSequence()) {
      if (spec.size() == 0) at.fail(spec, "an empty list searches nothing");
      for (const auto& value : spec) d.values.push_back(YAML::Clone(value));
    } else if (spec.IsMap() && spec["distribution"].IsDefined()) {
      const YAML::Node kind = spec["distribution"];
      d.distribution = parse_distribution(kind, at.child("distribution", kind));
      const std::string& distribution = name_of(d.distribution);
      const bool choice = d.distribution == Distribution::choice;
      for (auto field = spec.begin(); field != spec.end(); ++field) {
        const std::string name = field->first.Scalar();
        const std::vector<std::string> allowed = choice ? std::vector<std::string>{"distribution", "values"}
                                                        : std::vector<std::string>{"distribution", "low", "high"};
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
          at.child(name, field->first)
              .fail(field->first, "unknown key" + did_you_mean(name, allowed),
                    "; a " + distribution + " takes " + quoted_list(allowed));
        }
      }
      if (choice) {
        const YAML::Node values = spec["values"];
        if (!values.IsSequence() || values.size() == 0) {
          at.child("values", values).fail(values.IsDefined() ? values : spec, "choice needs a non-empty list `values`");
        }
        for (const auto& value : values) d.values.push_back(YAML::Clone(value));
      } else {
        for (const char* bound : {"low", "high"}) {
          if (!spec[bound].IsDefined()) at.fail(spec, fmt::format("{} needs `{}`", distribution, bound));
        }
        const YAML::Node low = spec["low"], high = spec["high"];
        const bool integer = d.distribution == Distribution::int_uniform;
        if (integer) {
          d.low = static_cast<double>(parse_int(low, at.child("low", low)));
          d.high = static_cast<double>(parse_int(high, at.child("high", high)));
        } else {
          d.low = parse_double(low, at.child("low", low));
          d.high = parse_double(high, at.child("high", high));
        }
        if (d.high < d.low || (!integer && d.high == d.low)) {
          at.child("high", high).fail(high, fmt::format("high ({}) must be greater than low ({})", d.high, d.low));
        }
        if (d.distribution == Distribution::log_uniform && d.low <= 0) {
          at.child("low", low).fail(low, fmt::format("log_uniform needs low > 0, got {}", d.low));
        }
      }
    } else {
      at.fail(spec, "expected a list of values or a map with `distribution`, got " + describe(spec));
    }
    space.dimensions.push_back(std::move(d));
  }
  return space;
}

YAML::Node Codec<SearchSpace>::emit(const SearchSpace& space) {
  YAML::Node node(YAML::NodeType::Map);
  for (const auto& d : space.dimensions) node[d.key] = YAML::Clone(d.source);
  return node;
}

}  // namespace attune::config
