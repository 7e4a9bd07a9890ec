#include "core/io/safetensors.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "core/error.h"
#include "tests/support/test_support.h"

namespace attune {
namespace safetensors_test {

using testing::TempDir;
using testing::write_text;

const std::string kBert = std::string(ATTUNE_TEST_FIXTURES) + "/bert-tiny/model.safetensors";
const std::string kTiny = std::string(ATTUNE_TEST_FIXTURES) + "/state_dicts/tiny.safetensors";

// The file format: u64 little-endian header length, the JSON header, the data buffer.
std::string safetensors_file(const std::string& header, const std::string& data = "") {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((uint64_t{header.size()} >> (8 * i)) & 0xff);
  return out + header + data;
}

// Writes `content` as a file in `dir` and checks that reading it throws an InputError naming the file and `problem`.
void expect_rejected(const TempDir& dir, const std::string& content, const std::string& problem) {
  const std::string path = dir.file("bad.safetensors");
  write_text(path, content);
  try {
    read_safetensors(path);
    ADD_FAILURE() << "accepted a file that should fail with: " << problem;
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << "expected `" << problem << "` in: " << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an InputError: " << e.what();
  }
}

// The 42 tensors bert-tiny/README.md lists.
std::vector<std::pair<std::string, std::vector<int64_t>>> bert_tiny_shapes() {
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes = {
      {"bert.embeddings.position_ids", {1, 64}},
      {"bert.embeddings.word_embeddings.weight", {30522, 32}},
      {"bert.embeddings.position_embeddings.weight", {64, 32}},
      {"bert.embeddings.token_type_embeddings.weight", {2, 32}},
      {"bert.embeddings.LayerNorm.weight", {32}},
      {"bert.embeddings.LayerNorm.bias", {32}},
  };
  for (const std::string layer : {"0", "1"}) {
    const std::string prefix = "bert.encoder.layer." + layer + ".";
    for (const std::string part :
         {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"}) {
      shapes.push_back({prefix + part + ".weight", {32, 32}});
      shapes.push_back({prefix + part + ".bias", {32}});
    }
    for (const std::string norm : {"attention.output.LayerNorm", "output.LayerNorm"}) {
      shapes.push_back({prefix + norm + ".weight", {32}});
      shapes.push_back({prefix + norm + ".bias", {32}});
    }
    shapes.push_back({prefix + "intermediate.dense.weight", {64, 32}});
    shapes.push_back({prefix + "intermediate.dense.bias", {64}});
    shapes.push_back({prefix + "output.dense.weight", {32, 64}});
    shapes.push_back({prefix + "output.dense.bias", {32}});
  }
  shapes.push_back({"bert.pooler.dense.weight", {32, 32}});
  shapes.push_back({"bert.pooler.dense.bias", {32}});
  shapes.push_back({"classifier.weight", {2, 32}});
  shapes.push_back({"classifier.bias", {2}});
  return shapes;
}

TEST(Safetensors, ReadsBertTinyNamesShapesAndDtypes) {
  const StateDict weights = read_safetensors(kBert);
  const auto expected = bert_tiny_shapes();
  ASSERT_EQ(expected.size(), 42u);
  ASSERT_EQ(weights.size(), expected.size());
  for (const auto& [name, shape] : expected) {
    const torch::Tensor* tensor = find(weights, name);
    ASSERT_NE(tensor, nullptr) << name;
    EXPECT_EQ(tensor->sizes().vec(), shape) << name;
    EXPECT_EQ(tensor->scalar_type(), name == "bert.embeddings.position_ids" ? torch::kInt64 : torch::kFloat32) << name;
  }
  EXPECT_TRUE(torch::equal(*find(weights, "bert.embeddings.position_ids"), torch::arange(64).unsqueeze(0)));
  // Header order is file order: the README's writer put the I64 tensor first.
  EXPECT_EQ(weights.front().first, "bert.embeddings.position_ids");
  EXPECT_EQ(find(weights, "no.such.tensor"), nullptr);
}

TEST(Safetensors, ReadsMetadata) {
  EXPECT_EQ(read_safetensors_metadata(kBert), (std::map<std::string, std::string>{{"format", "pt"}}));
  EXPECT_EQ(read_safetensors_metadata(kTiny),
            (std::map<std::string, std::string>{{"format", "pt"}, {"source", "make_fixtures.py"}}));
  TempDir dir;
  write_text(dir.file("plain.safetensors"), safetensors_file("{}"));
  EXPECT_TRUE(read_safetensors_metadata(dir.file("plain.safetensors")).empty());
  EXPECT_TRUE(read_safetensors(dir.file("plain.safetensors")).empty());
}

TEST(Safetensors, MisalignedTensorsAreCopiedToAlignedMemory) {
  // tiny.safetensors packs tensors without padding, so e.g. `ints` (I32) starts at data offset 150.
  const StateDict weights = read_safetensors(kTiny);
  for (const auto& [name, tensor] : weights) {
    if (tensor.numel() == 0) continue;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(tensor.data_ptr()) % tensor.element_size(), 0u) << name;
  }
  EXPECT_TRUE(torch::equal(*find(weights, "ints"), torch::tensor({-7, 70000}, torch::kInt32)));
  EXPECT_TRUE(torch::equal(*find(weights, "shorts"), torch::tensor({-3, 300}, torch::kInt16)));
}

TEST(Safetensors, TensorsOutliveTheStateDictAndWritesStayPrivate) {
  torch::Tensor base;
  {
    StateDict weights = read_safetensors(kTiny);
    base = *find(weights, "base");
  }  // the mapping must stay alive through `base`
  EXPECT_FLOAT_EQ(base[2][3].item<float>(), 11.0f / 8);
  base.fill_(42);  // copy-on-write: neither a crash nor a change to the file
  EXPECT_FLOAT_EQ((*find(read_safetensors(kTiny), "base"))[2][3].item<float>(), 11.0f / 8);
}

TEST(Safetensors, RejectsBadFilesWithClearMessages) {
  TempDir dir;
  const std::string f32x2 = R"("dtype":"F32","shape":[2])";
  expect_rejected(dir, "", "too short");
  expect_rejected(dir, "abc", "too short");
  expect_rejected(dir, std::string("\xe8\x03\0\0\0\0\0\0{}", 10), "header length 1000 runs past the end");
  expect_rejected(dir, std::string(8, '\xff') + "{}", "runs past the end");
  expect_rejected(dir, safetensors_file("{\"a\": "), "not valid JSON");
  expect_rejected(dir, safetensors_file("[1, 2]"), "header is not a JSON object");
  expect_rejected(dir, safetensors_file(std::string("{}\0\0{\"a\":1}", 10)), "NUL byte at offset 2");
  expect_rejected(dir, safetensors_file(R"({"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", "x"),
                  "tensor `w`: unsupported dtype `F8_E4M3`");
  expect_rejected(dir, safetensors_file(R"({"w":{)" + f32x2 + R"(,"data_offsets":[0,16]}})", std::string(8, '\0')),
                  "tensor `w`: data_offsets [0, 16] run past the data buffer (8 bytes)");
  expect_rejected(dir, safetensors_file(R"({"w":{)" + f32x2 + R"(,"data_offsets":[10,8]}})", std::string(16, '\0')),
                  "tensor `w`: data_offsets [10, 8] end before begin");
  expect_rejected(dir,
                  safetensors_file(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,8]}})", std::string(8, '\0')),
                  "tensor `w`: data_offsets [0, 8] hold 8 bytes, but F32 [2,3] needs 6 elements");
  expect_rejected(dir, safetensors_file(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", "12345678"),
                  "not a non-negative integer");
  expect_rejected(dir, safetensors_file(R"({"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", "12345678"),
                  "not a non-negative integer");
  expect_rejected(dir, safetensors_file(R"({"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}})", "12345678"),
                  "not a non-negative integer");
  expect_rejected(dir,
                  safetensors_file(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})"),
                  "too many elements");
  expect_rejected(dir,
                  safetensors_file(R"({"w":{"dtype":"U8","shape":[0,9223372036854775807,4],"data_offsets":[0,0]}})"),
                  "too many elements");
  expect_rejected(dir, safetensors_file(R"({"w":{"dtype":"F32","shape":[2]}})", std::string(8, '\0')),
                  "tensor `w`: missing `data_offsets`");
  expect_rejected(dir, safetensors_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}})"),
                  "`data_offsets` must be two non-negative integers");
  expect_rejected(dir, safetensors_file(R"({"w":[1]})"), "tensor `w`: entry is not a JSON object");
  expect_rejected(
      dir,
      safetensors_file(R"({"w":{)" + f32x2 + R"(,"data_offsets":[0,8]},"w":{)" + f32x2 + R"(,"data_offsets":[8,16]}})",
                       std::string(16, '\0')),
      "the key `w` more than once");
  expect_rejected(
      dir,
      safetensors_file(R"({"a":{)" + f32x2 + R"(,"data_offsets":[0,8]},"b":{)" + f32x2 + R"(,"data_offsets":[4,12]}})",
                       std::string(16, '\0')),
      "tensors `a` [0, 8] and `b` [4, 12] overlap");
  expect_rejected(dir, safetensors_file(R"({"__metadata__":{"format":1}})"), "`__metadata__` entry `format`");
  expect_rejected(dir, safetensors_file(R"({"w":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", "\x01\x07"),
                  "BOOL byte 1 is 7");
  expect_rejected(dir, safetensors_file(R"({"w":{"dtype":"F32","shape":[[[2]]],"data_offsets":[0,8]}})"),
                  "nested deeper");
}

TEST(Safetensors, RejectsDamagedRealFiles) {
  TempDir dir;
  const std::string bert = testing::read_text(kBert);
  expect_rejected(dir, bert.substr(0, bert.size() / 2), "run past the data buffer");
  expect_rejected(dir, bert.substr(0, 100), "header length 4544 runs past the end");
  std::string random(4096, '\0');
  std::mt19937 generator(7);
  for (char& c : random) c = static_cast<char>(generator());
  expect_rejected(dir, random, "header length");
}

TEST(Safetensors, RejectsMissingFilesAndFolders) {
  TempDir dir;
  EXPECT_THROW(read_safetensors(dir.file("missing.safetensors")), InputError);
  EXPECT_THROW(read_safetensors(dir.path()), InputError);
  EXPECT_THROW(read_safetensors_metadata(dir.file("missing.safetensors")), InputError);
  write_text(dir.file("bad.safetensors"), safetensors_file("{\"a\": "));
  EXPECT_THROW(read_safetensors_metadata(dir.file("bad.safetensors")), InputError);
}

}  // namespace safetensors_test
}  // namespace attune
