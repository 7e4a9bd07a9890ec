// `cmake --install` to a temporary prefix, then the examples built out of
// tree against it with find_package(attune), from a copy with no attune
// source tree beside it, and used: the installed attune loads the plugin, the
// predict example labels texts as `attune predict` does.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "core/version.h"
#include "tests/support/trained_runs.h"

namespace attune {
namespace install_test {

std::string shell_ok(const std::string& command) {
  const auto result = testing::run_shell(command + " 2>&1");
  EXPECT_EQ(result.exit_code, 0) << command << "\n" << result.text;
  return result.text;
}

TEST(Install, ExamplesBuildOutOfTreeAgainstTheInstalledPackage) {
  testing::TempDir dir;
  const std::string build = std::filesystem::path(testing::attune_binary()).parent_path();
  const std::string prefix = dir.file("prefix");
  shell_ok("cmake --install " + build + " --prefix " + prefix);

  // The library carries its SOVERSION; the headers and the package are where find_package looks.
  const std::string version(ATTUNE_VERSION);
  const std::string soversion = version.substr(0, version.rfind('.'));
  EXPECT_NE(
      shell_ok("objdump -p " + prefix + "/lib/libattune.so").find("SONAME               libattune.so." + soversion),
      std::string::npos);
  for (const char* file : {"include/attune/core/predict/predictor.h", "include/attune/schedulers/scheduler.h",
                           "lib/cmake/attune/attuneConfig.cmake", "lib/cmake/attune/attuneConfigVersion.cmake",
                           "lib/cmake/attune/attuneTargets.cmake", "bin/attune"}) {
    EXPECT_TRUE(std::filesystem::exists(prefix + "/" + file)) << file;
  }

  std::filesystem::copy(testing::source_dir() + "/examples", dir.file("examples"),
                        std::filesystem::copy_options::recursive);
  for (const std::string example : {"plugins", "predict"}) {
    shell_ok("cmake -S " + dir.file("examples/" + example) + " -B " + dir.file("build-" + example) +
             " -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=" + prefix);
    shell_ok("cmake --build " + dir.file("build-" + example) + " -j 2");
  }

  const std::string attune = prefix + "/bin/attune";
  const std::string listed =
      shell_ok(attune + " list schedulers --plugin " + dir.file("build-plugins/libwsd_scheduler.so"));
  EXPECT_NE(listed.find("wsd"), std::string::npos) << listed;

  const std::string run = testing::tiny_run(testing::TinyModel::transformer);
  testing::write_text(dir.file("texts.txt"), "a gripping, funny film\ndull and lifeless\nit is what it is\n");
  testing::write_text(dir.file("texts.tsv"), "sentence\n" + testing::read_text(dir.file("texts.txt")));
  const std::string labelled =
      shell_ok(dir.file("build-predict/label_texts") + " " + run + " < " + dir.file("texts.txt"));
  const std::string predicted = shell_ok(attune + " predict " + run + " --data " + dir.file("texts.tsv"));
  std::istringstream a(labelled), b(predicted);
  std::string line_a, line_b;
  std::getline(b, line_b);  // header
  int rows = 0;
  while (std::getline(a, line_a) && std::getline(b, line_b)) {
    EXPECT_EQ(line_a.substr(0, line_a.find('\t')), line_b.substr(0, line_b.find('\t')));
    ++rows;
  }
  EXPECT_EQ(rows, 3);
}

}  // namespace install_test
}  // namespace attune
