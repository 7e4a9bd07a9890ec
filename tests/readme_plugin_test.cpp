// Follows "Write your own scheduler" in docs/plugins.md (the page the
// README links for plugins) word for word: the files it shows, the commands
// it gives, against this build of attune.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>

#include "tests/support/test_support.h"

namespace attune {
namespace readme_plugin_test {

/// The page's walk-through.
constexpr const char* kPage = "docs/plugins.md";
constexpr const char* kHeading = "\n## Write your own scheduler\n";

/// The section of `text` under `heading` (a line of its own), up to the next
/// heading of its level; empty when there is no such heading.
std::string section(const std::string& text, const std::string& heading) {
  const size_t begin = text.find(heading);
  if (begin == std::string::npos) return "";
  const size_t end = text.find("\n## ", begin + heading.size());
  return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

/// The code blocks of `text` in order, with their language, indentation removed.
std::vector<std::pair<std::string, std::string>> code_blocks(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> blocks;
  const std::regex fence(R"(\n( *)```(\w+)\n([\s\S]*?)\n *```)");
  for (std::sregex_iterator it(text.begin(), text.end(), fence), end; it != end; ++it) {
    const size_t indent = (*it)[1].length();
    std::string code, line;
    std::istringstream lines((*it)[3].str());
    while (std::getline(lines, line)) code += (line.size() >= indent ? line.substr(indent) : line) + "\n";
    blocks.emplace_back((*it)[2], code);
  }
  return blocks;
}

/// The lr of each param group at `tick` in `attune schedule`'s CSV (tick,lr...).
std::vector<std::string> lrs_at(const std::string& csv, int tick) {
  std::istringstream lines(csv);
  const std::string prefix = std::to_string(tick) + ",";
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    std::vector<std::string> values;
    std::istringstream cells(line.substr(prefix.size()));
    for (std::string cell; std::getline(cells, cell, ',');) values.push_back(cell);
    return values;
  }
  return {};
}

TEST(ReadmePlugin, WriteYourOwnSchedulerWorksAsWritten) {
  const std::string walkthrough = section(testing::read_text(testing::source_dir() + "/" + kPage), kHeading);
  ASSERT_FALSE(walkthrough.empty()) << kPage << ": no section \"## Write your own scheduler\"";
  const auto blocks = code_blocks(walkthrough);
  ASSERT_EQ(blocks.size(), 4u) << kPage << ": \"Write your own scheduler\" shows " << blocks.size()
                               << " code blocks; this test follows 4: sh (export), cpp, cmake, sh";
  ASSERT_EQ(blocks[0].first, "sh") << kPage << ": the walk-through's 1st code block is not `sh`";
  ASSERT_EQ(blocks[1].first, "cpp") << kPage << ": the walk-through's 2nd code block is not `cpp`";
  ASSERT_EQ(blocks[2].first, "cmake") << kPage << ": the walk-through's 3rd code block is not `cmake`";
  ASSERT_EQ(blocks[3].first, "sh") << kPage << ": the walk-through's 4th code block is not `sh`";
  testing::TempDir dir;
  testing::write_text(dir.file("halving.cpp"), blocks[1].second);
  testing::write_text(dir.file("CMakeLists.txt"), blocks[2].second);
  // The README's $ATTUNE/build is wherever this build of attune lives.
  const std::string build_dir = std::filesystem::path(testing::attune_binary()).parent_path().string();
  std::string commands = std::regex_replace(blocks[3].second, std::regex(R"(\$ATTUNE/build)"), build_dir);
  commands = std::regex_replace(commands, std::regex(R"(\$ATTUNE)"), testing::source_dir());
  std::string script = "set -e\ncd " + dir.path() + "\n";
  std::istringstream lines(commands);
  int step = 0;
  for (std::string line; std::getline(lines, line);) {
    script += line + " > out" + std::to_string(step) + ".txt 2>&1\n";
    ++step;
  }
  testing::write_text(dir.file("steps.sh"), script);
  const int status = std::system(("sh " + dir.file("steps.sh")).c_str());
  std::string outputs;
  for (int i = 0; i < step; ++i) {
    if (std::filesystem::exists(dir.file("out" + std::to_string(i) + ".txt"))) {
      outputs += testing::read_text(dir.file("out" + std::to_string(i) + ".txt"));
    }
  }
  ASSERT_EQ(status, 0) << kPage << ": the walk-through's steps fail:\n" << outputs;
  const std::string listed = testing::read_text(dir.file("out2.txt"));
  EXPECT_NE(listed.find("halving"), std::string::npos) << kPage << ": `attune list schedulers` shows no halving:\n"
                                                       << listed;
  EXPECT_NE(listed.find("[plugin " + dir.file("build/libhalving.so") + "]"), std::string::npos)
      << kPage << ": `attune list schedulers` does not name the plugin's path:\n"
      << listed;
  const std::string schedule = testing::read_text(dir.file("out3.txt"));
  // Every param group's lr (the demo has a no-decay group besides the default one).
  for (const auto& [tick, lr] : {std::pair<int, std::string>{299, "0.002"}, {300, "0.001"}, {1000, "0.00025"}}) {
    const auto lrs = lrs_at(schedule, tick);
    EXPECT_FALSE(lrs.empty()) << kPage << ": no tick " << tick << " in\n" << schedule.substr(0, 400);
    for (const auto& value : lrs) EXPECT_EQ(value, lr) << kPage << ": the halving schedule at tick " << tick;
  }
  EXPECT_TRUE(std::filesystem::exists(dir.file("halving.svg"))) << kPage << ": `--plot halving.svg` drew nothing";
}

}  // namespace readme_plugin_test
}  // namespace attune
