// `attune plot`: a run's curves as SVG files that an independent XML parser
// (Python's xml.etree) reads, with one polyline per curve; clear errors for
// folders it cannot plot.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "tests/support/tiny_experiment.h"

namespace attune::testing {
namespace plot_command_test {

/// The number of <polyline> elements Python's XML parser finds in `path`, or -1.
int polylines(const std::string& path) {
  const std::string command =
      "python3 -c \"import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
      "assert r.tag.endswith('svg'); sys.exit(10 + len([e for e in r.iter() if e.tag.endswith('polyline')]))\" '" +
      path + "'";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) && WEXITSTATUS(status) >= 10 ? WEXITSTATUS(status) - 10 : -1;
}

TEST(PlotCommand, DrawsARunsLossAccuracyAndLearningRate) {
  TempDir dir;
  const std::string yaml = write_tiny_experiment(dir);
  ASSERT_EQ(run_attune({"train", yaml, "--run-dir", dir.file("run")}).exit_code, 0);
  const auto plot = run_attune({"plot", dir.file("run")});
  ASSERT_EQ(plot.exit_code, 0) << plot.err;
  EXPECT_EQ(polylines(dir.file("run/plots/loss.svg")), 2);  // train_loss, val_loss
  EXPECT_EQ(polylines(dir.file("run/plots/accuracy.svg")), 1);
  EXPECT_EQ(polylines(dir.file("run/plots/lr.svg")), 1);
  EXPECT_NE(plot.out.find("plots/loss.svg"), std::string::npos);
}

TEST(PlotCommand, NamesWhatIsWrongWithTheFolder) {
  TempDir dir;
  auto missing = run_attune({"plot", dir.file("nowhere")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no such folder"), std::string::npos) << missing.err;
  auto empty = run_attune({"plot", dir.path()});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("neither a run folder (metrics.csv) nor a sweep folder (sweep.json)"), std::string::npos)
      << empty.err;
  write_text(dir.file("metrics.csv"), "epoch,step,lr,train_loss\n1,4,0.001,0.69\n2,8,0.001,zero\n");
  auto corrupt = run_attune({"plot", dir.path()});
  EXPECT_EQ(corrupt.exit_code, 2);
  EXPECT_NE(corrupt.err.find("metrics.csv:3: column `train_loss`: expected a number, got `zero`"), std::string::npos)
      << corrupt.err;
}

}  // namespace plot_command_test
}  // namespace attune::testing
