// `make test` runs the whole suite whatever ran before it: it configures the
// build with the tests every time, and a build asked for tests that cannot
// find GoogleTest stops instead of leaving ctest a handful of fuzz replays to
// pass. Real CMake and make, in folders of their own.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/test_support.h"

namespace attune {
namespace make_test_target_test {

using testing::run_shell;

std::string cache_entry(const std::string& build_dir, const std::string& key) {
  const std::string cache = testing::read_text(build_dir + "/CMakeCache.txt");
  const auto at = cache.find("\n" + key + ":");
  if (at == std::string::npos) return "";
  const auto value = cache.find('=', at);
  return cache.substr(value + 1, cache.find('\n', value) - value - 1);
}

TEST(MakeTest, ConfiguresTheTestsAfterTheDemosConfigureWithoutThem) {
  testing::TempDir dir;
  const std::string build = dir.file("build");
  const std::string make = "make -s -C '" + testing::source_dir() + "' BUILD_DIR='" + build + "' ";
  // What `make demo` leaves on a fresh machine: a build folder without tests.
  const auto demo = run_shell(make + "configure");
  ASSERT_EQ(demo.exit_code, 0) << demo.text;
  EXPECT_EQ(cache_entry(build, "ATTUNE_BUILD_TESTS"), "OFF");
  // `make test`'s configure step turns them on in that same folder.
  const auto test = run_shell(make + "test-configure");
  ASSERT_EQ(test.exit_code, 0) << test.text;
  EXPECT_EQ(cache_entry(build, "ATTUNE_BUILD_TESTS"), "ON");
  const std::string tests = testing::read_text(build + "/tests/CTestTestfile.cmake");
  EXPECT_NE(tests.find("attune_tests"), std::string::npos) << "the GoogleTest suite is not among the ctests:\n"
                                                           << tests;
  // And `make test` itself goes through that step.
  const auto plan = run_shell(make + "-n test");
  EXPECT_NE(plan.text.find("-DATTUNE_BUILD_TESTS=ON"), std::string::npos) << plan.text;
}

TEST(MakeTest, ABuildAskedForTestsWithoutGoogleTestStopsWithAnError) {
  testing::TempDir dir;
  const auto configure = run_shell("cmake -S '" + testing::source_dir() + "' -B '" + dir.file("build") +
                                   "' -DATTUNE_BUILD_TESTS=ON -DCMAKE_DISABLE_FIND_PACKAGE_GTest=TRUE");
  EXPECT_NE(configure.exit_code, 0) << configure.text;
  EXPECT_NE(configure.text.find("ATTUNE_BUILD_TESTS is ON but GoogleTest was not found"), std::string::npos)
      << configure.text;
}

}  // namespace make_test_target_test
}  // namespace attune
