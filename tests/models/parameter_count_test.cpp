// Each model type's parameter count from its options (what attune checks a
// model's size with before building it) against the model built from the same
// options: the numel sum of its parameters is the independent reference.
#include <gtest/gtest.h>

#include <limits>

#include "core/experiment/experiment_config.h"
#include "core/experiment/model_size.h"
#include "models/model.h"
#include "models/parameter_count.h"
#include "tests/support/test_support.h"

namespace attune {
namespace parameter_count_test {

Component<ModelKind> parse_model(const std::string& options_yaml) {
  const config::Context ctx("<test>", std::filesystem::current_path());
  return config::Codec<Component<ModelKind>>::parse(YAML::Load(options_yaml), ctx);
}

int64_t built_parameters(const std::string& options_yaml, const DataSpec& spec) {
  int64_t total = 0;
  for (const auto& parameter : parse_model(options_yaml).create(spec)->parameters()) total += parameter.numel();
  return total;
}

int64_t counted_parameters(const std::string& options_yaml, const DataSpec& spec) {
  const auto count = parameter_count_from_options(parse_model(options_yaml), spec);
  EXPECT_TRUE(count.has_value()) << options_yaml;
  return count.value_or(-1);
}

DataSpec text_spec(int64_t classes = 3, int64_t vocab = 50, int64_t max_length = 40) {
  DataSpec spec;
  spec.num_classes = classes;
  spec.vocab_size = vocab;
  spec.pad_id = 0;
  spec.max_length = max_length;
  return spec;
}

DataSpec image_spec(std::vector<int64_t> shape, int64_t classes = 10) {
  DataSpec spec;
  spec.num_classes = classes;
  spec.image_shape = std::move(shape);
  return spec;
}

struct CountCase {
  std::string name;
  std::string yaml;
  DataSpec spec;
};

void PrintTo(const CountCase& c, std::ostream* os) {
  *os << c.name;
}

std::string bert_tiny_yaml(const std::string& extra = "") {
  return "{type: bert_classifier, pretrained: " + testing::fixtures_dir() + "/bert-tiny" + extra + "}";
}

std::vector<CountCase> count_cases() {
  return {
      {"transformer_defaults", "{type: transformer_classifier}", text_spec()},
      {"transformer_post_norm_small", "{type: transformer_classifier, hidden_dim: 16, num_heads: 2, num_layers: 1}",
       text_spec(2, 30522, 48)},
      {"transformer_pre_norm_cls",
       "{type: transformer_classifier, hidden_dim: 24, num_heads: 3, num_layers: 3, ff_dim: 40, norm_first: true, "
       "pooling: cls, activation: relu}",
       text_spec(7, 101, 9)},
      {"vit_defaults", "{type: vit}", image_spec({1, 8, 8})},
      {"vit_mean_pooling", "{type: vit, hidden_dim: 16, num_heads: 2, num_layers: 2, ff_dim: 24, pooling: mean}",
       image_spec({1, 8, 8})},
      {"vit_pre_norm_rgb", "{type: vit, hidden_dim: 12, num_heads: 3, num_layers: 1, norm_first: true, patch_size: 2}",
       image_spec({3, 4, 6}, 5)},
      {"vit_one_patch", "{type: vit, hidden_dim: 8, num_heads: 1, num_layers: 1, ff_dim: 8, patch_size: 8}",
       image_spec({1, 8, 8}, 2)},
      {"bert_tiny_two_labels", bert_tiny_yaml(", num_labels: 2"), text_spec(0, 1000, 32)},
      {"bert_tiny_labels_from_data", bert_tiny_yaml(), text_spec(5, 1000, 64)},
  };
}

class CountFromOptions : public ::testing::TestWithParam<CountCase> {};

TEST_P(CountFromOptions, EqualsTheBuiltModelsParameters) {
  const auto& c = GetParam();
  const int64_t built = built_parameters(c.yaml, c.spec);
  ASSERT_GT(built, 0);
  EXPECT_EQ(counted_parameters(c.yaml, c.spec), built) << c.yaml;
}

INSTANTIATE_TEST_SUITE_P(Models, CountFromOptions, ::testing::ValuesIn(count_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(CountFromOptions, EveryBuiltInModelTypeCanCount) {
  // A built-in model without a counter would skip the size check silently.
  for (const auto& [name, entry] : registry<ModelKind>().entries()) {
    if (entry.origin == "built-in") EXPECT_TRUE(entry.parameter_count) << name;
  }
}

TEST(CountFromOptions, AnAbsurdLayerCountIsCountedExactlyWithoutBuildingIt) {
  // A model's count is linear in its layers: one and two layers, built, give
  // the exact count of 10^12 layers, which must not overflow or wrap.
  const std::string yaml = "{type: transformer_classifier, hidden_dim: 16, num_heads: 2, ff_dim: 32, num_layers: ";
  const DataSpec spec = text_spec(2, 30522, 48);
  const int64_t one = built_parameters(yaml + "1}", spec), two = built_parameters(yaml + "2}", spec);
  const int64_t layers = 1000000000000;
  EXPECT_EQ(counted_parameters(yaml + std::to_string(layers) + "}", spec), one + (layers - 1) * (two - one));
}

TEST(CountFromOptions, ACountBeyondInt64SaturatesInsteadOfWrapping) {
  // hidden_dim 2^40: each attention projection alone has 2^80 weights.
  const auto count =
      counted_parameters("{type: transformer_classifier, hidden_dim: 1099511627776, num_heads: 1}", text_spec());
  EXPECT_EQ(count, std::numeric_limits<int64_t>::max());
  EXPECT_EQ((ParameterCount(int64_t{1} << 62) + (int64_t{1} << 62)).value(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ((ParameterCount(int64_t{1} << 32) * (int64_t{1} << 31)).value(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ((ParameterCount(int64_t{1} << 31) * (int64_t{1} << 31)).value(), int64_t{1} << 62);
}

TEST(CountFromOptions, DataAModelCannotTakeGivesTheConstructorsError) {
  // Counting must refuse what building refuses, with the same message, and
  // never read an image shape that text data does not have.
  for (const auto& [yaml, spec] :
       std::vector<std::pair<std::string, DataSpec>>{{"{type: vit}", text_spec()},
                                                     {"{type: vit, patch_size: 3}", image_spec({1, 8, 8})},
                                                     {"{type: transformer_classifier}", image_spec({1, 8, 8})},
                                                     {bert_tiny_yaml(", num_labels: 2"), text_spec(3, 100, 16)}}) {
    std::string built_error, counted_error;
    try {
      built_parameters(yaml, spec);
    } catch (const InputError& e) {
      built_error = e.what();
    }
    try {
      parameter_count_from_options(parse_model(yaml), spec);
    } catch (const InputError& e) {
      counted_error = e.what();
    }
    EXPECT_FALSE(built_error.empty()) << yaml;
    EXPECT_EQ(counted_error, built_error) << yaml;
  }
}

}  // namespace parameter_count_test
}  // namespace attune
