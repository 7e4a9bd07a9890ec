// Packed sequences: where attune's fused CPU attention runs, a padded batch's
// real tokens are packed ([B, L] -> [T]) and transformer_classifier and
// bert_classifier compute no padding. Their logits and every parameter's
// gradient are checked against PyTorch's models run on the padded batch
// (tests/python/attune_models.py); varlen_self_attention against the explicit
// operations on the padded batch.
#include "models/packed_sequences.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/experiment/experiment_config.h"
#include "core/kernels/cpu_kernels.h"
#include "models/attention_core.h"
#include "models/model.h"
#include "tests/support/test_support.h"

namespace attune {
namespace packed_sequences_test {

torch::Tensor mask_of(const std::vector<int64_t>& lengths, int64_t padded_length) {
  auto mask = torch::zeros({static_cast<int64_t>(lengths.size()), padded_length}, torch::kLong);
  for (size_t b = 0; b < lengths.size(); ++b) mask[static_cast<int64_t>(b)].narrow(0, 0, lengths[b]).fill_(1);
  return mask;
}

TEST(PackedSequences, OnlyRightPaddingWithRealTokensInEverySequencePacks) {
  EXPECT_FALSE(PackedSequences::of(mask_of({3, 3}, 3)));  // no padding: nothing to gain
  EXPECT_FALSE(PackedSequences::of(mask_of({2, 0}, 3)));  // an empty sequence
  auto holes = mask_of({3, 1}, 4);
  holes[1][2] = 1;  // a real token after padding
  EXPECT_FALSE(PackedSequences::of(holes));
  ASSERT_TRUE(PackedSequences::of(mask_of({3, 1}, 4)));
}

TEST(PackedSequences, PackTakesTheRealTokensInOrderAndPoolsPerSequence) {
  const auto packed = *PackedSequences::of(mask_of({3, 1, 2}, 4));
  const auto ids = torch::arange(12).reshape({3, 4});
  EXPECT_TRUE(torch::equal(packed.pack(ids), torch::tensor({0, 1, 2, 4, 8, 9})));
  EXPECT_TRUE(torch::equal(packed.positions(), torch::tensor({0, 1, 2, 0, 0, 1})));
  EXPECT_EQ(packed.layout().lengths, (std::vector<int64_t>{3, 1, 2}));
  const auto x = torch::tensor({1.0f, 2.0f, 6.0f, 5.0f, 7.0f, 8.0f}).unsqueeze(1);
  EXPECT_TRUE(torch::allclose(packed.mean(x), torch::tensor({3.0f, 5.0f, 7.5f}).unsqueeze(1)));
  EXPECT_TRUE(torch::equal(packed.first(x), torch::tensor({1.0f, 5.0f, 7.0f}).unsqueeze(1)));
}

double largest_difference(const torch::Tensor& actual, const nlohmann::json& expected_flat) {
  const auto expected = torch::tensor(expected_flat.get<std::vector<double>>(), torch::kDouble);
  const auto a = actual.detach().to(torch::kDouble).flatten();
  return a.numel() == expected.numel() ? (a - expected).abs().max().item<double>() : 1e9;
}

std::vector<std::vector<int64_t>> rows_of(const torch::Tensor& t) {
  std::vector<std::vector<int64_t>> rows;
  for (int64_t r = 0; r < t.size(0); ++r) {
    const auto row = t[r].contiguous();
    rows.emplace_back(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel());
  }
  return rows;
}

/// A batch of six sequences whose real tokens all end in padding, of
/// different lengths (the longest 11 of 12 positions).
Batch padded_batch(int64_t vocab_size, int64_t num_classes, bool with_types) {
  const std::vector<int64_t> lengths = {1, 4, 11, 7, 2, 9};
  Batch batch;
  batch.attention_mask = mask_of(lengths, 12);
  batch.input_ids = torch::randint(1, vocab_size, {6, 12}, torch::kLong) * batch.attention_mask;
  if (with_types) batch.token_type_ids = (torch::arange(12).unsqueeze(0) >= 3).to(torch::kLong) * batch.attention_mask;
  batch.labels = torch::tensor({0, 2, 1, 1, 0, 2}) % num_classes;
  return batch;
}

/// One training step of `model` on `batch` (dropout 0, so that both sides
/// compute the same function) against PyTorch's model of `reference_case`
/// on the padded batch (padded_step_reference.py): logits, loss, and every
/// parameter's gradient (of `table`, the rows the batch's ids select).
void expect_step_matches_pytorch(Model& model, const Batch& batch, nlohmann::json reference_case,
                                 const std::string& table = "") {
  testing::TempDir dir;
  c10::Dict<std::string, at::Tensor> state;
  for (const auto& p : model.named_parameters()) state.insert(p.key(), p.value().detach());
  const std::vector<char> bytes = torch::pickle_save(state);
  testing::write_text(dir.file("state.pt"), std::string(bytes.begin(), bytes.end()));
  reference_case["state_file"] = dir.file("state.pt");
  reference_case["input_ids"] = rows_of(batch.input_ids);
  reference_case["attention_mask"] = rows_of(batch.attention_mask);
  if (batch.token_type_ids.defined()) reference_case["token_type_ids"] = rows_of(batch.token_type_ids);
  reference_case["labels"] = rows_of(batch.labels.unsqueeze(1));
  const auto ids = std::get<0>(torch::_unique(batch.input_ids.flatten(), /*sorted=*/true));
  if (!table.empty())
    reference_case["rows"][table] =
        std::vector<int64_t>(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.numel());
  auto labels = reference_case["labels"];
  reference_case["labels"] = nlohmann::json::array();
  for (const auto& row : labels) reference_case["labels"].push_back(row[0]);
  const auto reference = testing::python_reference("padded_step_reference.py", reference_case);

  model.train();
  const auto logits = model.forward(batch);
  const auto loss = torch::cross_entropy_loss(logits, batch.labels);
  loss.backward();
  nlohmann::json flat_logits = nlohmann::json::array();
  for (const auto& row : reference["logits"])
    for (const auto& v : row) flat_logits.push_back(v);
  EXPECT_LE(largest_difference(logits, flat_logits), 1e-5);
  EXPECT_NEAR(loss.item<double>(), reference["loss"].get<double>(), 1e-6);
  for (const auto& p : model.named_parameters()) {
    const auto& expected = reference["grads"][p.key()];
    const auto grad = p.key() == table ? p.value().grad().index_select(0, ids) : p.value().grad();
    const double scale = torch::tensor(expected.get<std::vector<double>>()).abs().max().item<double>();
    EXPECT_LE(largest_difference(grad, expected), 2e-5 * std::max(1.0, scale)) << p.key();
  }
}

std::shared_ptr<Model> make_model(const nlohmann::json& options, const DataSpec& spec) {
  const config::Context ctx("<test>", std::filesystem::current_path());
  return config::Codec<Component<ModelKind>>::parse(YAML::Load(options.dump()), ctx).create(spec);
}

class PackedTraining : public ::testing::TestWithParam<nlohmann::json> {};

// Packed where the fused CPU attention runs (LibTorch 1.13), padded elsewhere
// and with pack_sequences: false.
TEST_P(PackedTraining, LogitsAndGradientsEqualPyTorchsOnThePaddedBatch) {
  const nlohmann::json options = GetParam();
  DataSpec spec;
  spec.num_classes = 3;
  spec.vocab_size = 60;
  spec.pad_id = 0;
  spec.max_length = 20;
  nlohmann::json with_type = options;
  with_type["type"] = "transformer_classifier";
  torch::manual_seed(3);
  auto model = make_model(with_type, spec);
  const Batch batch = padded_batch(spec.vocab_size, spec.num_classes, false);
  ASSERT_TRUE(PackedSequences::of(batch.attention_mask));  // every sequence padded: packing applies
  expect_step_matches_pytorch(*model, batch,
                              {{"model", options},
                               {"vocab_size", spec.vocab_size},
                               {"max_length", spec.max_length},
                               {"num_classes", spec.num_classes},
                               {"pad_id", spec.pad_id}});
}

INSTANTIATE_TEST_SUITE_P(
    Models, PackedTraining,
    ::testing::Values(nlohmann::json::parse(R"({"hidden_dim": 16, "num_heads": 4, "num_layers": 2, "ff_dim": 32,
                                                "dropout": 0.0})"),
                      nlohmann::json::parse(R"({"hidden_dim": 24, "num_heads": 3, "num_layers": 2, "ff_dim": 40,
                                                "dropout": 0.0, "norm_first": true, "pooling": "cls",
                                                "activation": "relu"})"),
                      // The padding computed (model.pack_sequences: false) gives the same.
                      nlohmann::json::parse(R"({"hidden_dim": 16, "num_heads": 4, "num_layers": 1, "ff_dim": 32,
                                                "dropout": 0.0, "pack_sequences": false})")));

// bert_classifier of the bert-tiny fixture's config.json (its weights freshly
// drawn: any weights do), token types 0 and 1, packed and not.
TEST(PackedTraining, BertClassifierLogitsAndGradientsEqualPyTorchsOnThePaddedBatch) {
  const std::string folder = testing::fixtures_dir() + "/bert-tiny";
  auto config = nlohmann::json::parse(testing::read_text(folder + "/config.json"));
  for (const char* key : {"hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout"})
    config[key] = 0.0;
  DataSpec spec;
  spec.num_classes = 2;
  spec.vocab_size = config["vocab_size"];
  for (const bool pack : {true, false}) {
    torch::manual_seed(5);
    auto model = make_model({{"type", "bert_classifier"},
                             {"pretrained", folder},
                             {"hidden_dropout_prob", 0.0},
                             {"attention_probs_dropout_prob", 0.0},
                             {"classifier_dropout", 0.0},
                             {"pack_sequences", pack}},
                            spec);
    SCOPED_TRACE(pack ? "packed" : "padding computed");
    expect_step_matches_pytorch(*model, padded_batch(1000, 2, true), {{"bert_config", config}, {"num_classes", 2}},
                                "bert.embeddings.word_embeddings.weight");
  }
}

/// varlen_self_attention on packed rows against the explicit operations
/// (PyTorch's matmul and softmax) on the padded batch, for every real token:
/// outputs and the q, k, v gradients, both copies of the kernel.
void check_varlen_against_padded() {
  const std::vector<int64_t> lengths = {5, 1, 13, 9};
  const int64_t L = 13, hidden = 24, heads = 3;
  const auto mask = mask_of(lengths, L);
  const auto packed = *PackedSequences::of(mask);
  torch::manual_seed(7);
  const auto qkv = torch::randn({4, L, 3 * hidden});
  const auto weights = torch::randn({4, L, hidden});
  const AttentionSettings settings{heads, 0.0, true};

  auto padded_in = qkv.clone().requires_grad_();
  const auto h = hidden;
  const auto padded_out =
      explicit_self_attention(padded_in.narrow(2, 0, h), padded_in.narrow(2, h, h), padded_in.narrow(2, 2 * h, h),
                              additive_padding_mask(mask, torch::kFloat), settings);
  (padded_out * weights * mask.unsqueeze(2)).sum().backward();

  auto packed_in = packed.pack(qkv).requires_grad_();
  const auto packed_out = varlen_self_attention(packed_in, lengths, settings);
  (packed_out * packed.pack(weights)).sum().backward();

  const auto close = [](const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).abs().max().item<double>() <= 2e-6 * std::max(1.0, b.abs().max().item<double>());
  };
  EXPECT_TRUE(close(packed_out, packed.pack(padded_out.detach())));
  EXPECT_TRUE(close(packed_in.grad(), packed.pack(padded_in.grad())));
}

TEST(VarlenAttention, EqualsTheExplicitOperationsOnThePaddedBatch) {
  if (!packs_sequences(torch::zeros({1}))) GTEST_SKIP() << "the fused CPU kernel runs on LibTorch 1.13 only";
  check_varlen_against_padded();
  kernels::use_baseline_attention_kernels(true);
  check_varlen_against_padded();
  kernels::use_baseline_attention_kernels(false);
}

TEST(VarlenAttention, DropsSomeWeightsInTrainingAndNoneInEval) {
  if (!packs_sequences(torch::zeros({1}))) GTEST_SKIP() << "the fused CPU kernel runs on LibTorch 1.13 only";
  torch::manual_seed(1);
  const auto qkv = torch::randn({20, 48});
  const std::vector<int64_t> lengths = {12, 8};
  const auto none = varlen_self_attention(qkv, lengths, {2, 0.0, false});
  EXPECT_TRUE(torch::equal(varlen_self_attention(qkv, lengths, {2, 0.5, false}), none));
  EXPECT_GT((varlen_self_attention(qkv, lengths, {2, 0.5, true}) - none).abs().max().item<double>(), 0.1);
}

TEST(VarlenAttention, RefusesLengthsThatDoNotCoverTheRows) {
  if (!packs_sequences(torch::zeros({1}))) GTEST_SKIP() << "the fused CPU kernel runs on LibTorch 1.13 only";
  const auto qkv = torch::randn({10, 12});
  EXPECT_THROW(varlen_self_attention(qkv, {4, 5}, {2, 0.0, false}), c10::Error);
  EXPECT_THROW(varlen_self_attention(qkv, {10, 0}, {2, 0.0, false}), c10::Error);
}

}  // namespace packed_sequences_test
}  // namespace attune
