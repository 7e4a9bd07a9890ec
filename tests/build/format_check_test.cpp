// `make format-check` (CI's first step) fails on a file that is not formatted
// and names it; `make format` fixes it. The real script and clang-format, in a
// git repository of its own.
#include <gtest/gtest.h>
#include <filesystem>
#include <string>

#include "tests/support/test_support.h"

namespace attune {
namespace format_check_test {

testing::ShellResult run_in(const std::string& dir, const std::string& command) {
  return testing::run_shell("cd '" + dir + "' && " + command);
}

TEST(FormatCheck, NamesTheFileThatDiffersAndFormatFixesIt) {
  testing::TempDir repo;
  namespace fs = std::filesystem;
  fs::create_directories(repo.file("scripts"));
  fs::create_directories(repo.file("core"));
  fs::copy_file(testing::source_dir() + "/scripts/format.sh", repo.file("scripts/format.sh"));
  fs::copy_file(testing::source_dir() + "/.clang-format", repo.file(".clang-format"));
  testing::write_text(repo.file("core/tidy.h"), "#pragma once\n\nint tidy(int x);\n");
  testing::write_text(repo.file("core/untidy.cpp"), "int   untidy( int x ){return x+1;}\n");
  ASSERT_EQ(run_in(repo.path(), "git init -q . && git add -A").exit_code, 0);

  const auto check = run_in(repo.path(), "scripts/format.sh --check");
  EXPECT_EQ(check.exit_code, 1) << check.text;
  EXPECT_NE(check.text.find("  core/untidy.cpp"), std::string::npos) << check.text;
  EXPECT_EQ(check.text.find("core/tidy.h"), std::string::npos) << check.text;

  EXPECT_EQ(run_in(repo.path(), "scripts/format.sh").exit_code, 0);
  const std::string fixed = testing::read_text(repo.file("core/untidy.cpp"));
  EXPECT_NE(fixed, "int   untidy( int x ){return x+1;}\n");
  EXPECT_NE(fixed.find("int untidy(int x)"), std::string::npos) << fixed;
  EXPECT_EQ(testing::read_text(repo.file("core/tidy.h")), "#pragma once\n\nint tidy(int x);\n");
  const auto again = run_in(repo.path(), "scripts/format.sh --check");
  EXPECT_EQ(again.exit_code, 0) << again.text;
}

// The repository itself is formatted (what CI checks first).
TEST(FormatCheck, TheRepositoryIsFormatted) {
  const auto check = run_in(testing::source_dir(), "scripts/format.sh --check");
  EXPECT_EQ(check.exit_code, 0) << check.text;
}

}  // namespace format_check_test
}  // namespace attune
