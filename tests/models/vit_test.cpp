#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/experiment/experiment_config.h"
#include "models/model.h"
#include "tests/support/test_support.h"

namespace attune {
namespace vit_test {

DataSpec digits_spec() {
  DataSpec spec;
  spec.num_classes = 10;
  spec.image_shape = {1, 8, 8};
  return spec;
}

std::shared_ptr<Model> make_model(const std::string& options_yaml, const DataSpec& spec = digits_spec()) {
  const config::Context ctx("<test>", std::filesystem::current_path());
  const auto component = config::Codec<Component<ModelKind>>::parse(YAML::Load(options_yaml), ctx);
  return component.create(spec);
}

std::string error_of(const std::string& options_yaml, const DataSpec& spec = digits_spec()) {
  try {
    make_model(options_yaml, spec);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

Batch random_images(int64_t count) {
  Batch batch;
  batch.pixels = torch::rand({count, 1, 8, 8});
  batch.labels = torch::zeros({count}, torch::kLong);
  return batch;
}

const char* kTiny = "{type: vit, hidden_dim: 16, num_heads: 2, num_layers: 1, ff_dim: 32";

TEST(Vit, ForwardGivesLogitsPerImage) {
  torch::manual_seed(0);
  for (const std::string extra : {"}", ", pooling: mean}", ", norm_first: true, patch_size: 4}", ", patch_size: 8}"}) {
    auto model = make_model(kTiny + extra);
    model->eval();
    torch::NoGradGuard no_grad;
    const auto logits = model->forward(random_images(5));
    EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{5, 10})) << extra;
    EXPECT_TRUE(torch::isfinite(logits).all().item<bool>()) << extra;
  }
  // Non-square, multi-channel images.
  DataSpec spec = digits_spec();
  spec.image_shape = {3, 4, 6};
  spec.num_classes = 3;
  auto model = make_model(std::string(kTiny) + "}", spec);
  Batch batch;
  batch.pixels = torch::rand({2, 3, 4, 6});
  EXPECT_EQ(model->forward(batch).sizes(), (std::vector<int64_t>{2, 3}));
}

TEST(Vit, ParameterNamesAndShapesFollowThePaper) {
  auto model = make_model(std::string(kTiny) + "}");
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& p : model->named_parameters()) shapes[p.key()] = p.value().sizes().vec();
  using Shape = std::vector<int64_t>;
  EXPECT_EQ(shapes["cls_token"], (Shape{1, 1, 16}));
  EXPECT_EQ(shapes["position_embedding"], (Shape{1, 1 + 16, 16}));  // (8/2)^2 patches and the class token
  EXPECT_EQ(shapes["patch_embedding.weight"], (Shape{16, 1, 2, 2}));
  EXPECT_EQ(shapes["patch_embedding.bias"], (Shape{16}));
  EXPECT_EQ(shapes["encoder.layers.0.attn.in_proj.weight"], (Shape{48, 16}));
  EXPECT_EQ(shapes["head.weight"], (Shape{10, 16}));
  EXPECT_EQ(shapes["head.bias"], (Shape{10}));
  EXPECT_EQ(shapes.count("encoder.norm.weight"), 0u);  // post-norm: each layer ends normalised
  EXPECT_EQ(shapes.size(), 2u + 2u + 12u + 2u);

  auto pre_norm = make_model(std::string(kTiny) + ", norm_first: true, pooling: mean, patch_size: 4}");
  std::map<std::string, std::vector<int64_t>> pre;
  for (const auto& p : pre_norm->named_parameters()) pre[p.key()] = p.value().sizes().vec();
  EXPECT_EQ(pre.count("cls_token"), 0u);  // mean pooling reads no class token
  EXPECT_EQ(pre["position_embedding"], (Shape{1, 4, 16}));
  EXPECT_EQ(pre["patch_embedding.weight"], (Shape{16, 1, 4, 4}));
  EXPECT_EQ(pre["encoder.norm.weight"], (Shape{16}));  // the LayerNorm before the head
}

TEST(Vit, PositionEmbeddingsMakePatchOrderMatter) {
  // Self-attention is permutation-equivariant and the class token reads all
  // patches alike, so only the position embeddings tell swapped patches apart.
  torch::manual_seed(1);
  auto model = make_model(std::string(kTiny) + ", dropout: 0}");
  model->eval();
  torch::NoGradGuard no_grad;
  // Trained position embeddings are of the order of the patch embeddings;
  // scale the initial ones (std 0.02) up to that so the effect is well above
  // rounding.
  for (auto& p : model->named_parameters()) {
    if (p.key() == "position_embedding") p.value().normal_(0.0, 1.0);
  }
  const Batch batch = random_images(1);
  Batch swapped;
  swapped.pixels = batch.pixels.clone();
  using torch::indexing::Slice;
  swapped.pixels.index_put_({0, 0, Slice(0, 2), Slice(0, 2)}, batch.pixels.index({0, 0, Slice(6, 8), Slice(6, 8)}));
  swapped.pixels.index_put_({0, 0, Slice(6, 8), Slice(6, 8)}, batch.pixels.index({0, 0, Slice(0, 2), Slice(0, 2)}));
  const auto original = model->forward(batch);
  EXPECT_FALSE(torch::allclose(original, model->forward(swapped), 1e-4, 1e-5));
  // With the position embeddings zeroed the swap is invisible.
  for (auto& p : model->named_parameters()) {
    if (p.key() == "position_embedding") p.value().zero_();
  }
  EXPECT_TRUE(torch::allclose(model->forward(batch), model->forward(swapped), 1e-4, 1e-5));
}

TEST(Vit, BadShapesAndTextDataAreClearErrors) {
  const std::string indivisible = error_of(std::string(kTiny) + ", patch_size: 3}");
  EXPECT_NE(indivisible.find("patch_size 3 does not divide the image shape [1, 8, 8]"), std::string::npos)
      << indivisible;
  DataSpec text;
  text.num_classes = 2;
  text.vocab_size = 100;
  text.max_length = 32;
  EXPECT_NE(error_of(std::string(kTiny) + "}", text).find("model `vit` needs image data"), std::string::npos);
  EXPECT_NE(error_of("{type: vit, hidden_dim: 10, num_heads: 4}").find("divisible by num_heads"), std::string::npos);
  EXPECT_NE(error_of("{type: vit, pooling: max}").find("one of"), std::string::npos);
  // And the text model refuses images, symmetrically.
  EXPECT_NE(error_of("{type: transformer_classifier}").find("needs text data"), std::string::npos);
}

TEST(Vit, OverfitsThirtyTwoDigits) {
  torch::manual_seed(0);
  const config::Context ctx("<test>", std::filesystem::current_path());
  const auto data = config::Codec<Component<DataKind>>::parse(
      YAML::Load("{type: image_classification, train: " + testing::source_dir() + "/data/digits/digits.csv.gz}"), ctx);
  const auto module = data.create({3, {}});
  const Subset train = module->train();
  const Batch batch = train.dataset->collate(std::vector<int64_t>(train.indices.begin(), train.indices.begin() + 32));
  auto model = make_model(
      "{type: vit, hidden_dim: 32, num_heads: 2, num_layers: 1, ff_dim: 64, dropout: 0, "
      "norm_first: true}",
      module->spec());
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(3e-3));
  model->train();
  int steps = 0;
  double accuracy = 0.0;
  for (; steps < 300 && accuracy < 1.0; ++steps) {
    optimizer.zero_grad();
    const auto logits = model->forward(batch);
    torch::nn::functional::cross_entropy(logits, batch.labels).backward();
    optimizer.step();
    accuracy = logits.argmax(1).eq(batch.labels).to(torch::kDouble).mean().item<double>();
  }
  model->eval();
  torch::NoGradGuard no_grad;
  accuracy = model->forward(batch).argmax(1).eq(batch.labels).to(torch::kDouble).mean().item<double>();
  EXPECT_EQ(accuracy, 1.0) << "after " << steps << " steps";
}

}  // namespace vit_test
}  // namespace attune
