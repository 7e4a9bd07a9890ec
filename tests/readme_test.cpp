// The README's YAML reference is `attune docs` verbatim, so it cannot drift
// from the declarations that validate configs.
#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace attune {
namespace {

TEST(Readme, YamlReferenceIsTheOutputOfAttuneDocs) {
  const std::string readme = testing::read_text(testing::source_dir() + "/README.md");
  const std::string begin = "<!-- yaml-reference:begin -->\n", end = "<!-- yaml-reference:end -->";
  const size_t from = readme.find(begin), to = readme.find(end);
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  const auto docs = testing::run_attune({"docs"});
  ASSERT_EQ(docs.exit_code, 0);
  EXPECT_TRUE(readme.substr(from + begin.size(), to - from - begin.size()) == docs.out)
      << "the README's YAML reference is stale: run scripts/update-readme-reference.sh";
}

}  // namespace
}  // namespace attune
