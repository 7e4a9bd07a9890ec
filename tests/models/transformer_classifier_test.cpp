#include <gtest/gtest.h>

#include "core/experiment/experiment_config.h"
#include "models/model.h"

namespace attune {
namespace transformer_classifier_test {

std::shared_ptr<Model> make_model(const std::string& options_yaml) {
  const config::Context ctx("<test>", std::filesystem::current_path());
  const auto component = config::Codec<Component<ModelKind>>::parse(YAML::Load(options_yaml), ctx);
  DataSpec spec;
  spec.num_classes = 3;
  spec.vocab_size = 50;
  spec.pad_id = 0;
  spec.max_length = 40;
  auto model = component.create(spec);
  model->eval();
  return model;
}

Batch padded(const std::vector<std::vector<int64_t>>& rows, int64_t length) {
  Batch batch;
  const auto count = static_cast<int64_t>(rows.size());
  batch.input_ids = torch::zeros({count, length}, torch::kLong);
  batch.attention_mask = torch::zeros({count, length}, torch::kLong);
  batch.labels = torch::zeros({count}, torch::kLong);
  for (int64_t r = 0; r < count; ++r) {
    for (size_t t = 0; t < rows[r].size(); ++t) {
      batch.input_ids[r][t] = rows[r][t];
      batch.attention_mask[r][t] = 1;
    }
  }
  return batch;
}

class PaddingInvariance : public ::testing::TestWithParam<std::string> {};

TEST_P(PaddingInvariance, PaddingDoesNotChangeTheLogits) {
  torch::manual_seed(0);
  auto model = make_model(GetParam());
  torch::NoGradGuard no_grad;
  const std::vector<std::vector<int64_t>> rows = {{5, 17, 3, 9}, {7, 2, 44, 31, 12, 8, 1}};
  const auto tight = model->forward(padded(rows, 7));
  const auto loose = model->forward(padded(rows, 40));
  const auto alone = model->forward(padded({rows[0]}, 4));  // no padding at all
  EXPECT_TRUE(torch::allclose(tight, loose, 1e-5, 1e-6)) << tight << loose;
  EXPECT_TRUE(torch::allclose(tight[0], alone[0], 1e-5, 1e-6)) << tight[0] << alone[0];
  // And the sequences do differ, so the check is not vacuous.
  EXPECT_FALSE(torch::allclose(tight[0], tight[1], 1e-3, 1e-3));
}

INSTANTIATE_TEST_SUITE_P(
    Models, PaddingInvariance,
    ::testing::Values("{type: transformer_classifier, hidden_dim: 16, num_heads: 4, num_layers: 2, ff_dim: 32}",
                      "{type: transformer_classifier, hidden_dim: 16, num_heads: 2, num_layers: 2, ff_dim: 32, "
                      "norm_first: true, pooling: cls, activation: relu}"));

TEST(TransformerClassifier, ParameterNamesFollowTheDocumentedLayout) {
  auto model = make_model("{type: transformer_classifier, hidden_dim: 8, num_heads: 2, num_layers: 1, ff_dim: 16}");
  std::vector<std::string> names;
  for (const auto& p : model->named_parameters()) names.push_back(p.key());
  const std::vector<std::string> expected = {"embedding.tokens.weight",
                                             "embedding.positions.weight",
                                             "embedding.norm.weight",
                                             "embedding.norm.bias",
                                             "encoder.layers.0.attn.in_proj.weight",
                                             "encoder.layers.0.attn.in_proj.bias",
                                             "encoder.layers.0.attn.out_proj.weight",
                                             "encoder.layers.0.attn.out_proj.bias",
                                             "encoder.layers.0.linear1.weight",
                                             "encoder.layers.0.linear1.bias",
                                             "encoder.layers.0.linear2.weight",
                                             "encoder.layers.0.linear2.bias",
                                             "encoder.layers.0.norm1.weight",
                                             "encoder.layers.0.norm1.bias",
                                             "encoder.layers.0.norm2.weight",
                                             "encoder.layers.0.norm2.bias",
                                             "head.weight",
                                             "head.bias"};
  EXPECT_EQ(names, expected);
}

}  // namespace transformer_classifier_test
}  // namespace attune
