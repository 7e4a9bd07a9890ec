// A resumed run keeps its schedule: resuming with another number of ranks
// (another global batch, another number of steps) stops with an error that
// names both world sizes instead of stretching the schedule silently, and a
// schedule's length is restored from the checkpoint, not recomputed (as
// one_cycle's total_steps would be from a changed training set).
#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/tiny_experiment.h"

namespace attune {
namespace resume_schedule_test {

using testing::read_text;
using testing::run_attune;

const std::vector<std::string> kEnv = {"OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1"};

TEST(ResumeSchedule, AnotherNumberOfRanksIsRefusedNamingBoth) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  const std::string run = dir.file("run");
  const auto two = run_attune({"launch", "--nproc", "2", "train", yaml, "train.epochs=1", "--run-dir", run}, "", kEnv);
  ASSERT_EQ(two.exit_code, 0) << two.err;
  testing::set_train_epochs(run, 2);
  const auto one = run_attune({"train", "--resume", run}, "", kEnv);
  EXPECT_EQ(one.exit_code, 2) << one.err;
  EXPECT_NE(one.err.find("trained by 2 process(es)"), std::string::npos) << one.err;
  EXPECT_NE(one.err.find("resuming it with 1"), std::string::npos) << one.err;
  EXPECT_NE(one.err.find("attune launch --nproc 2 train --resume"), std::string::npos) << one.err;
  // With its own number of ranks it goes on.
  const auto resumed = run_attune({"launch", "--nproc", "2", "train", "--resume", run}, "", kEnv);
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
}

TEST(ResumeSchedule, ADataSetOfAnotherSizeIsRefused) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);
  const std::string run = dir.file("run");
  ASSERT_EQ(run_attune({"train", yaml, "train.epochs=1", "--run-dir", run}).exit_code, 0);
  testing::set_train_epochs(run, 2);
  // The training file loses half its rows: 2 steps an epoch instead of 4.
  std::istringstream rows(read_text(dir.file("train.tsv")));
  std::string kept, line;
  for (int i = 0; i < 33 && std::getline(rows, line); ++i) kept += line + "\n";
  testing::write_text(dir.file("train.tsv"), kept);
  const auto resumed = run_attune({"train", "--resume", run});
  EXPECT_EQ(resumed.exit_code, 2) << resumed.err;
  EXPECT_NE(resumed.err.find("this run took 4 steps per epoch, but its training data now gives 2"), std::string::npos)
      << resumed.err;
}

}  // namespace resume_schedule_test
}  // namespace attune
