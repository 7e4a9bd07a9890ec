// The test binary reports a crash with the test it was in and the stack
// (core/system/crash_report.h): a crash on a machine seen rarely (a GPU) is
// named by its one run.
#include <gtest/gtest.h>

#include <string>

#include "core/system/crash_report.h"

namespace attune::testing {
namespace {

const char* running_test() {
  static std::string name;  // filled in the handler: the process is dying anyway
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test == nullptr) return "outside any test";
  name = std::string("in test ") + test->test_suite_name() + "." + test->name();
  return name.c_str();
}

const bool installed = (install_crash_report("attune_tests", running_test), true);

}  // namespace
}  // namespace attune::testing
