// The layers of ARCHITECTURE.md hold: a source file includes headers of its own
// folder and of folders below it, never of one above. The order is read from
// the `layers` block of ARCHITECTURE.md, so the document and the code cannot
// drift apart.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace fs = std::filesystem;

namespace attune::layers_test {

/// The source trees the layers cover.
const std::vector<std::string> kSourceRoots = {"core",    "models", "schedulers", "initializers",
                                               "metrics", "losses", "callbacks"};

/// The folders of the ```layers block, bottom layer first.
std::vector<std::string> layer_order(const std::string& architecture) {
  std::istringstream in(architecture);
  std::vector<std::string> order;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside) {
      inside = line == "```layers";
      continue;
    }
    if (line == "```") break;
    std::istringstream words(line);
    std::string folder;
    if (words >> folder) order.push_back(folder);
  }
  return order;
}

/// Every place under `root` where a file includes a header of a higher layer,
/// and every folder the order does not place, as "file:line: message".
std::vector<std::string> layer_violations(const std::string& root, const std::vector<std::string>& order) {
  std::map<std::string, size_t> rank;
  for (size_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  const std::regex include(R"(^\s*#\s*include\s*"([^"]+)\")");
  std::vector<std::string> found;
  for (const auto& top : kSourceRoots) {
    if (!fs::exists(root + "/" + top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root + "/" + top)) {
      const auto extension = entry.path().extension();
      if (!entry.is_regular_file() || (extension != ".h" && extension != ".cpp")) continue;
      const std::string file = fs::relative(entry.path(), root).string();
      const std::string folder = fs::path(file).parent_path().string();
      const auto own = rank.find(folder);
      if (own == rank.end()) {
        found.push_back(file + ": folder " + folder + " is in no layer of ARCHITECTURE.md");
        continue;
      }
      std::ifstream in(entry.path());
      std::string line;
      for (int number = 1; std::getline(in, line); ++number) {
        std::smatch match;
        if (!std::regex_search(line, match, include)) continue;
        const std::string header = match[1];
        const auto other = rank.find(fs::path(header).parent_path().string());
        if (other != rank.end() && other->second > own->second) {
          found.push_back(file + ":" + std::to_string(number) + ": " + folder + " includes " + header +
                          " of the higher layer " + other->first);
        }
      }
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

TEST(Layers, ArchitectureMdNamesEveryLayerOnce) {
  const auto order = layer_order(testing::read_text(testing::source_dir() + "/ARCHITECTURE.md"));
  ASSERT_GE(order.size(), 10u) << "ARCHITECTURE.md has no ```layers block";
  std::map<std::string, int> seen;
  for (const auto& folder : order) {
    EXPECT_EQ(++seen[folder], 1) << folder << " is named twice";
    EXPECT_TRUE(fs::is_directory(testing::source_dir() + "/" + folder)) << folder << " is no folder";
  }
}

TEST(Layers, NoFileIncludesAHeaderOfAHigherLayer) {
  const auto order = layer_order(testing::read_text(testing::source_dir() + "/ARCHITECTURE.md"));
  const auto found = layer_violations(testing::source_dir(), order);
  EXPECT_TRUE(found.empty()) << joined(found);
}

// The check itself: a tree with one upward include and one unplaced folder.
TEST(Layers, AnUpwardIncludeAndAnUnplacedFolderAreFound) {
  testing::TempDir tree;
  fs::create_directories(tree.file("core/io"));
  fs::create_directories(tree.file("core/train"));
  fs::create_directories(tree.file("core/stray"));
  testing::write_text(tree.file("core/train/trainer.cpp"), "#include \"core/io/atomic_file.h\"\n");
  testing::write_text(tree.file("core/io/atomic_file.cpp"),
                      "#include \"core/io/atomic_file.h\"\n// a comment\n#include \"core/train/trainer.h\"\n");
  testing::write_text(tree.file("core/stray/x.h"), "#pragma once\n");
  const auto found = layer_violations(tree.path(), {"core/io", "core/train"});
  ASSERT_EQ(found.size(), 2u) << joined(found);
  EXPECT_EQ(found[0].find("core/io/atomic_file.cpp:3: core/io includes core/train/trainer.h"), 0u) << joined(found);
  EXPECT_NE(joined(found).find("core/stray/x.h: folder core/stray is in no layer"), std::string::npos) << joined(found);
}

}  // namespace attune::layers_test
