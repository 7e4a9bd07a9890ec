#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>

#include "schedulers/scheduler.h"
#include "tests/support/test_support.h"

namespace attune {
namespace registry_test {

/// (kind heading, name) of every ATTUNE_REGISTER_<KIND>("name", ...) in the
/// sources: found by reading the code, not by asking the registry.
std::set<std::pair<std::string, std::string>> registrations_in_sources() {
  const std::map<std::string, std::string> headings = {{"SCHEDULER", "schedulers"}, {"INITIALIZER", "initializers"},
                                                       {"MODEL", "models"},         {"OPTIMIZER", "optimizers"},
                                                       {"DATASET", "datasets"},     {"TOKENIZER", "tokenizers"}};
  const std::regex macro(R"(ATTUNE_REGISTER_([A-Z]+)\(\s*\"([a-z0-9_]+)\")");
  std::set<std::pair<std::string, std::string>> found;
  for (const char* folder : {"core", "schedulers", "initializers", "models"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::source_dir() + "/" + folder)) {
      if (entry.path().extension() != ".cpp") continue;
      const std::string text = testing::read_text(entry.path().string());
      for (std::sregex_iterator it(text.begin(), text.end(), macro), end; it != end; ++it) {
        found.emplace(headings.at((*it)[1]), (*it)[2]);
      }
    }
  }
  return found;
}

TEST(Registry, ListShowsEveryBuiltIn) {
  const auto expected = registrations_in_sources();
  ASSERT_GE(expected.size(), 14u);
  const auto result = testing::run_attune({"list"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::string heading;
  std::set<std::pair<std::string, std::string>> listed;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == ':') {
      heading = line.substr(0, line.size() - 1);
    } else if (line.rfind("  ", 0) == 0) {
      listed.emplace(heading, line.substr(2, line.find(' ', 2) - 2));
    }
  }
  for (const auto& [kind, name] : expected) {
    EXPECT_TRUE(listed.count({kind, name})) << kind << " `" << name << "` is registered in the sources but not listed";
  }
}

TEST(Registry, DuplicateNameNamesBothOrigins) {
  RegistryEntry<SchedulerKind> entry;
  entry.name = "cosine";
  entry.origin = "a test";
  try {
    registry<SchedulerKind>().add(entry);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "scheduler `cosine` from a test is already registered by built-in; choose another name");
  }
}

class Plugins : public ::testing::Test {
 protected:
  void SetUp() override { testing::write_text(dir_.file("train.tsv"), "sentence\tlabel\ngood\t1\nbad\t0\n"); }
  // An experiment using `scheduler_type` with `plugins: [plugin]`.
  std::string experiment(const std::string& plugin, const std::string& scheduler = "{type: test_halving, every: 3}") {
    const std::string path = dir_.file("exp.yaml");
    testing::write_text(
        path, "plugins: [" + plugin +
                  "]\n"
                  "data: {type: text_classification, train: train.tsv, valid: train.tsv,\n"
                  "       tokenizer: {vocab: " +
                  testing::source_dir() +
                  "/data/vocab/bert-base-uncased.txt}}\n"
                  "model: {type: transformer_classifier, hidden_dim: 8, num_heads: 2, num_layers: 1, ff_dim: 8}\n"
                  "optimizer: {type: sgd, lr: 0.8}\n"
                  "scheduler: " +
                  scheduler +
                  "\n"
                  "train: {epochs: 4, batch_size: 1, progress: none}\n");
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(Plugins, PluginFromYamlRegistersAndRuns) {
  const auto result = testing::run_attune({"schedule", experiment(testing::plugin_path("test_scheduler_plugin"))});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // 2 examples x 4 epochs = 8 ticks; halving every 3 ticks from 0.8.
  EXPECT_EQ(result.out, "tick,lr\n0,0.8\n1,0.8\n2,0.8\n3,0.4\n4,0.4\n5,0.4\n6,0.2\n7,0.2\n8,0.2\n");
  const auto train = testing::run_attune(
      {"train", experiment(testing::plugin_path("test_scheduler_plugin")), "--run-dir", dir_.file("run")});
  EXPECT_EQ(train.exit_code, 0) << train.err;
}

TEST_F(Plugins, ExamplePluginLoadsFromYamlAndTrains) {
  const std::string yaml =
      experiment(testing::plugin_path("wsd_scheduler"), "{type: wsd, warmup_ticks: 2, decay_fraction: 0.25}");
  const auto schedule = testing::run_attune({"schedule", yaml});
  ASSERT_EQ(schedule.exit_code, 0) << schedule.err;
  // 8 ticks: warmup over 2, constant, linear decay to 0 over the last quarter.
  EXPECT_EQ(schedule.out,
            "tick,lr\n0,0.26666666666666666\n1,0.5333333333333333\n2,0.8\n3,0.8\n4,0.8\n5,0.8\n"
            "6,0.8\n7,0.4\n8,0\n");
  const auto train = testing::run_attune({"train", yaml, "--run-dir", dir_.file("run")});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.file("run/checkpoints/last.pt")));
}

TEST_F(Plugins, ListShowsPluginWithItsOrigin) {
  const std::string plugin = testing::plugin_path("test_scheduler_plugin");
  const auto result = testing::run_attune({"list", "schedulers", "--plugin", plugin});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("test_halving"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("[plugin " + plugin + "]"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("models:"), std::string::npos);
}

TEST_F(Plugins, MissingPluginFileNamesYamlLine) {
  const auto result = testing::run_attune({"check", experiment("libnowhere.so")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(dir_.file("exp.yaml") + ":1:11: plugins.0: file not found: " + dir_.file("libnowhere.so")),
            std::string::npos)
      << result.err;
}

TEST_F(Plugins, LibraryThatIsNoPluginIsRejected) {
  const auto result = testing::run_attune({"check", experiment(testing::plugin_path("test_not_a_plugin"))});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("is not an attune plugin: it defines no attune_plugin_api_version"), std::string::npos)
      << result.err;
}

TEST_F(Plugins, FileThatIsNoLibraryIsRejected) {
  testing::write_text(dir_.file("libfake.so"), "not an ELF file");
  const auto result = testing::run_attune({"check", experiment("libfake.so")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("cannot load plugin " + dir_.file("libfake.so")), std::string::npos) << result.err;
}

TEST_F(Plugins, OtherApiVersionIsRejectedBeforeRegistering) {
  const auto result = testing::run_attune({"check", experiment(testing::plugin_path("test_wrong_version_plugin"))});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("was built against attune plugin API version 999, but this attune has version 2; "
                            "rebuild the plugin"),
            std::string::npos)
      << result.err;
}

// The same source as the good plugin, compiled as if against another attune
// release and another LibTorch (tests/CMakeLists.txt), and with libstdc++'s
// other string ABI: each difference is named.
TEST_F(Plugins, PluginBuiltAgainstAnotherAttuneOrLibTorchIsRejected) {
  const auto result = testing::run_attune({"check", experiment(testing::plugin_path("test_other_build_plugin"))});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("does not match this attune: built with attune 0.0.1, this attune with attune " +
                            std::string(ATTUNE_VERSION) + "; built with LibTorch 0.4.1, this attune with LibTorch " +
                            std::string(TORCH_VERSION) + "; rebuild the plugin against this attune's headers"),
            std::string::npos)
      << result.err;
}

TEST_F(Plugins, NameAlreadyTakenIsRejected) {
  const std::string plugin = testing::plugin_path("test_duplicate_plugin");
  const auto result = testing::run_attune({"check", experiment(plugin)});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("scheduler `cosine` from " + plugin + " is already registered by built-in"),
            std::string::npos)
      << result.err;
}

TEST_F(Plugins, PluginGivenOnCommandLine) {
  const auto result = testing::run_attune({"schedule", experiment("", "{type: test_halving, every: 4}"), "--plugin",
                                           testing::plugin_path("test_scheduler_plugin")});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("4,0.4"), std::string::npos) << result.out;
}

}  // namespace registry_test
}  // namespace attune
