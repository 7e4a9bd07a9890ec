#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/error.h"
#include "core/search/search_config.h"
#include "core/search/strategies.h"

namespace attune {
namespace strategies_test {

SearchSpace parse_space(const std::string& yaml) {
  const config::Context ctx("<test>", std::filesystem::current_path());
  return config::Codec<SearchSpace>::parse(YAML::Load(yaml), ctx);
}

std::string error_of(const std::function<void()>& run) {
  try {
    run();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(GridSearch, EnumeratesExactlyTheCartesianProduct) {
  const auto space = parse_space(
      "{optimizer.lr: [1.0e-4, 1.0e-3, 1.0e-2], model.num_heads: [2, 4], "
      "scheduler: [{type: cosine}, {type: exponential, gamma: 0.9}]}");
  const auto trials = grid_trials(space);
  ASSERT_EQ(trials.size(), 3u * 2u * 2u);
  std::set<std::string> distinct;
  for (const auto& t : trials) {
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(t[0].first, "optimizer.lr");
    EXPECT_EQ(t[2].first, "scheduler");
    distinct.insert(params_to_json(t));
  }
  EXPECT_EQ(distinct.size(), trials.size());
  // Every combination appears: each lr with each head count with each scheduler.
  for (const char* lr : {"0.0001", "0.001", "0.01"}) {
    for (const char* heads : {"2", "4"}) {
      for (const char* scheduler : {"{\"type\":\"cosine\"}", "{\"type\":\"exponential\",\"gamma\":0.9}"}) {
        const std::string want =
            fmt::format("{{\"optimizer.lr\":{},\"model.num_heads\":{},\"scheduler\":{}}}", lr, heads, scheduler);
        EXPECT_TRUE(distinct.count(want)) << want;
      }
    }
  }
  // The last key varies fastest, as scikit-learn's ParameterGrid.
  EXPECT_EQ(describe_value(trials[0][2].second), "{type: cosine}");
  EXPECT_EQ(describe_value(trials[1][2].second), "{type: exponential, gamma: 0.9}");
  EXPECT_EQ(describe_value(trials[2][1].second), "4");
}

TEST(GridSearch, RejectsContinuousDistributions) {
  const auto space = parse_space("{optimizer.lr: {distribution: log_uniform, low: 1.0e-5, high: 1.0e-1}}");
  EXPECT_NE(error_of([&] { grid_trials(space); }).find("a log_uniform distribution has no grid"), std::string::npos);
}

TEST(RandomSearch, IsReproducibleFromItsSeedAndExtendsWithoutChange) {
  const auto space = parse_space(
      "{optimizer.lr: {distribution: log_uniform, low: 1.0e-5, high: 1.0e-1}, "
      "model.num_heads: [2, 4, 8]}");
  const auto a = random_trials(space, 20, 7), b = random_trials(space, 20, 7), c = random_trials(space, 20, 8);
  const auto longer = random_trials(space, 30, 7);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(params_to_json(a[i]), params_to_json(b[i]));
    EXPECT_EQ(params_to_json(a[i]), params_to_json(longer[i]));
  }
  size_t differ = 0;
  for (size_t i = 0; i < a.size(); ++i) differ += params_to_json(a[i]) != params_to_json(c[i]);
  EXPECT_GT(differ, 15u);
}

TEST(RandomSearch, EachDistributionStaysInItsBounds) {
  const auto space = parse_space(
      "{u: {distribution: uniform, low: -2.0, high: 3.0}, l: {distribution: log_uniform, low: 1.0e-4, high: 1.0}, "
      "i: {distribution: int_uniform, low: 2, high: 5}, c: {distribution: choice, values: [relu, gelu]}, "
      "list: [a, b, c]}");
  const auto trials = random_trials(space, 4000, 1);
  std::set<int64_t> ints;
  std::set<std::string> choices, listed;
  double log_sum = 0, uniform_sum = 0;
  for (const auto& t : trials) {
    const double u = t[0].second.as<double>(), l = t[1].second.as<double>();
    const auto i = t[2].second.as<int64_t>();
    EXPECT_GE(u, -2.0);
    EXPECT_LT(u, 3.0);
    EXPECT_GE(l, 1.0e-4);
    EXPECT_LT(l, 1.0);
    EXPECT_GE(i, 2);
    EXPECT_LE(i, 5);
    uniform_sum += u;
    log_sum += std::log10(l);
    ints.insert(i);
    choices.insert(t[3].second.Scalar());
    listed.insert(t[4].second.Scalar());
  }
  EXPECT_EQ(ints, (std::set<int64_t>{2, 3, 4, 5}));  // both ends reached
  EXPECT_EQ(choices, (std::set<std::string>{"relu", "gelu"}));
  EXPECT_EQ(listed, (std::set<std::string>{"a", "b", "c"}));
  // Uniform in value, and log-uniform: uniform in log10 between -4 and 0.
  EXPECT_NEAR(uniform_sum / 4000, 0.5, 6 * (5 / std::sqrt(12.0)) / std::sqrt(4000.0));
  EXPECT_NEAR(log_sum / 4000, -2.0, 6 * (4 / std::sqrt(12.0)) / std::sqrt(4000.0));
}

TEST(SearchSpace, BadSpacesAreClearErrors) {
  EXPECT_NE(error_of([] {
              parse_space("{lr: {distribution: loguniform, low: 1, high: 2}}");
            }).find("unknown distribution `loguniform` (did you mean `log_uniform`?)"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_space("{lr: {distribution: uniform, low: 2, high: 1}}");
            }).find("high (1) must be greater than low (2)"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_space("{lr: {distribution: log_uniform, low: 0, high: 1}}");
            }).find("log_uniform needs low > 0"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_space("{lr: []}"); }).find("an empty list searches nothing"), std::string::npos);
  EXPECT_NE(error_of([] {
              parse_space("{lr: {distribution: uniform, lo: 1, high: 2}}");
            }).find("unknown key (did you mean `low`?)"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_space("{lr: 0.1}"); }).find("expected a list of values or a map with `distribution`"),
            std::string::npos);
}

}  // namespace strategies_test
}  // namespace attune
