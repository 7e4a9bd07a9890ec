// HuggingFace's sharded checkpoints: model.safetensors.index.json maps each
// tensor to its shard file ("weight_map"); reading the index must give each
// tensor exactly as its shard holds it, and name what is missing.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/weights_file.h"
#include "tests/support/test_support.h"

namespace attune {
namespace sharded_weights_test {

namespace fs = std::filesystem;

TEST(ShardedWeights, AnIndexReadsEveryTensorFromItsShard) {
  testing::TempDir dir;
  fs::copy(testing::fixtures_dir() + "/state_dicts/tiny.safetensors", dir.file("model-00001-of-00002.safetensors"));
  fs::copy(testing::fixtures_dir() + "/tiny_model/model.safetensors", dir.file("model-00002-of-00002.safetensors"));
  const StateDict first = read_weights(dir.file("model-00001-of-00002.safetensors"));
  const StateDict second = read_weights(dir.file("model-00002-of-00002.safetensors"));
  nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
  for (const auto& [name, tensor] : first) index["weight_map"][name] = "model-00001-of-00002.safetensors";
  for (const auto& [name, tensor] : second) {
    if (!index["weight_map"].contains(name)) index["weight_map"][name] = "model-00002-of-00002.safetensors";
  }
  testing::write_text(dir.file("model.safetensors.index.json"), index.dump(2));

  const StateDict sharded = read_weights(dir.path());  // a folder finds the index
  ASSERT_EQ(sharded.size(), index["weight_map"].size());
  for (const auto& [name, tensor] : sharded) {
    const StateDict& shard = index["weight_map"][name] == "model-00001-of-00002.safetensors" ? first : second;
    const std::string& wanted = name;  // C++17 lambdas cannot capture a structured binding
    const auto it = std::find_if(shard.begin(), shard.end(), [&](const auto& kv) { return kv.first == wanted; });
    ASSERT_NE(it, shard.end()) << name;
    EXPECT_TRUE(torch::equal(tensor, it->second)) << name;
  }
}

TEST(ShardedWeights, AMissingShardOrTensorIsNamed) {
  testing::TempDir dir;
  testing::write_text(dir.file("model.safetensors.index.json"),
                      R"({"weight_map": {"w": "model-00001-of-00002.safetensors"}})");
  try {
    read_weights(dir.file("model.safetensors.index.json"));
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("model-00001-of-00002.safetensors (for `w`) not found"), std::string::npos)
        << e.what();
  }
  fs::copy(testing::fixtures_dir() + "/state_dicts/tiny.safetensors", dir.file("model-00001-of-00002.safetensors"));
  try {
    read_weights(dir.file("model.safetensors.index.json"));
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("`w` is not in its shard"), std::string::npos) << e.what();
  }
}

}  // namespace sharded_weights_test
}  // namespace attune
