// A fatal signal writes who crashed, with what signal, the caller's context
// and the stack, and the process still dies of that signal.
#include <gtest/gtest.h>

#include <csignal>

#include "core/system/crash_report.h"

namespace attune {
namespace crash_report_test {

const char* probe_context() {
  return "in the probe's context";
}

TEST(CrashReport, AFaultIsReportedWithItsContextAndStackAndStillKills) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reports faults itself";
#endif
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (const int number : {SIGSEGV, SIGABRT}) {
    const std::string name = number == SIGSEGV ? "SIGSEGV" : "SIGABRT";
    EXPECT_EXIT(
        {
          install_crash_report("probe", probe_context);
          std::raise(number);
        },
        ::testing::KilledBySignal(number),
        "probe crashed: signal " + std::to_string(number) + " \\(" + name +
            "\\)\nin the probe's context\n(.*\\[0x[0-9a-f]+\\]\n)+")
        << name;
  }
}

}  // namespace crash_report_test
}  // namespace attune
