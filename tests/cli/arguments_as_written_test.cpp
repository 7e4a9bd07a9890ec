// Every argument reaches attune byte for byte. CLI11 reads an argument
// written `[...]` as a list of its comma-separated parts: the text
// `[CLS] hello [SEP]` arrived as `CLS] hello [SEP`. The reference for a text
// is the same text given through a JSON file (`tokenize --input`), which no
// command-line parser touches.
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "tests/support/tiny_experiment.h"

namespace attune {
namespace arguments_as_written_test {

const std::vector<std::string> kTexts = {
    "[CLS] [SEP] [MASK] [UNK]", "[Verse 1] la la, la [Chorus]", "[a,b]", "{\"a\": 1}", "[", "]", "[]", "x [y]"};

TEST(ArgumentsAsWritten, TextsReachTheTokenizerAsTheyAreWritten) {
  testing::TempDir dir;
  const std::string vocab = testing::source_dir() + "/data/vocab/bert-base-uncased.txt";
  testing::write_text(dir.file("texts.json"), nlohmann::json(kTexts).dump());
  const auto from_file = testing::run_attune({"tokenize", "--vocab", vocab, "--input", dir.file("texts.json")});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  std::vector<std::string> args = {"tokenize", "--vocab", vocab};
  args.insert(args.end(), kTexts.begin(), kTexts.end());
  const auto from_arguments = testing::run_attune(args);
  ASSERT_EQ(from_arguments.exit_code, 0) << from_arguments.err;
  EXPECT_EQ(from_arguments.out, from_file.out);
  const auto tokens = nlohmann::json::parse(from_arguments.out);
  ASSERT_EQ(tokens.size(), kTexts.size());
  // One at a time too (a lone argument is where the list syntax applied).
  for (size_t i = 0; i < kTexts.size(); ++i) {
    const auto one = testing::run_attune({"tokenize", "--vocab", vocab, kTexts[i]});
    ASSERT_EQ(one.exit_code, 0) << kTexts[i] << ": " << one.err;
    EXPECT_EQ(nlohmann::json::parse(one.out)[0], tokens[i]) << kTexts[i];
  }
}

TEST(ArgumentsAsWritten, OverridesReachTheConfigAsTheyAreWritten) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 32);
  for (const std::string name : {"[Verse 1] ... [Chorus]", "{\"a\": 1}", "[", "[a,b]"}) {
    // A YAML single-quoted string: the value is the text itself.
    std::string quoted = "'";
    for (char c : name) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    quoted += "'";
    const auto check = testing::run_attune({"check", yaml, "name=" + quoted});
    ASSERT_EQ(check.exit_code, 0) << name << ": " << check.err;
    const YAML::Node resolved = YAML::Load(check.out.substr(0, check.out.find("\n#")));
    EXPECT_EQ(resolved["name"].as<std::string>(), name);
  }
  // An override that is not valid YAML is quoted back exactly as given.
  const auto lone = testing::run_attune({"check", yaml, "name=["});
  EXPECT_EQ(lone.exit_code, 2);
  EXPECT_NE(lone.err.find("override `name=[`"), std::string::npos) << lone.err;
}

}  // namespace arguments_as_written_test
}  // namespace attune
