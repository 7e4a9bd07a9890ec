// `warmup_steps` works in front of every registered scheduler: each trains a
// whole short run with a warmup (the metric-driven reduce_on_plateau
// included), and the warmup's steps take the lr up linearly as PyTorch's
// LinearLR(start_factor -> 1) does. A scheduler added to attune without an
// entry here fails the test, so that it is tried with a warmup too.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>

#include "schedulers/scheduler.h"
#include "tests/support/tiny_experiment.h"

namespace attune {
namespace warmup_every_scheduler_test {

// The options each needs besides warmup_steps: its required keys, and
// lengths that fit a run of 2 epochs x 4 steps.
const std::map<std::string, std::string>& options_by_scheduler() {
  static const std::map<std::string, std::string> options = {
      {"chained", "schedulers: [{type: exponential, gamma: 0.9}, {type: constant}]"},
      {"constant", ""},
      {"cosine", ""},
      {"cosine_warm_restarts", "t_0: 2"},
      {"cyclic", "max_lr: 0.01, step_size_up: 2"},
      {"exponential", "gamma: 0.9"},
      {"inverse_sqrt", ""},
      {"linear", ""},
      {"multistep", "milestones: [2, 4]"},
      {"none", ""},
      {"one_cycle", ""},
      {"polynomial", ""},
      {"reduce_on_plateau", "patience: 0"},
      {"sequential", "schedulers: [{type: linear}, {type: exponential, gamma: 0.9}], milestones: [2]"},
      {"step", "step_size: 2"},
  };
  return options;
}

std::vector<std::string> built_in_schedulers() {
  std::vector<std::string> names;
  for (const auto& name : registry<SchedulerKind>().names()) {
    if (registry<SchedulerKind>().find(name)->origin == "built-in") names.push_back(name);
  }
  return names;
}

TEST(WarmupEveryScheduler, EveryBuiltInSchedulerHasAnEntryHere) {
  for (const auto& name : built_in_schedulers()) EXPECT_TRUE(options_by_scheduler().count(name)) << name;
}

class WarmupEveryScheduler : public ::testing::TestWithParam<std::string> {};

TEST_P(WarmupEveryScheduler, TrainsAWholeRunWithAWarmup) {
  const std::string& name = GetParam();
  const auto entry = options_by_scheduler().find(name);
  ASSERT_NE(entry, options_by_scheduler().end()) << "add " << name << " to options_by_scheduler()";
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 64);  // 4 steps an epoch
  const std::string run = dir.file("run");
  const std::string scheduler = fmt::format("scheduler={{type: {}, warmup_steps: 3, warmup_start_factor: 0.25{}}}",
                                            name, entry->second.empty() ? "" : ", " + entry->second);
  const auto trained =
      testing::run_attune({"train", yaml, "train.epochs=2", "optimizer.lr=0.004", scheduler, "--run-dir", run});
  ASSERT_EQ(trained.exit_code, 0) << scheduler << "\n" << trained.err;
  std::istringstream metrics(testing::read_text(run + "/metrics.csv"));
  std::string line;
  int rows = -1;
  while (std::getline(metrics, line)) ++rows;
  EXPECT_EQ(rows, 2) << "every epoch trained and evaluated";
  // The warmup's own ticks, replayed by `attune schedule`: LinearLR from
  // 0.25 to 1 over 3 ticks, i.e. base x (0.25, 0.5, 0.75) at ticks 0, 1, 2
  // (the base is the group's lr, or what one_cycle makes its initial lr).
  std::vector<std::string> args = {"schedule", yaml, "optimizer.lr=0.004", scheduler, "--ticks", "3"};
  if (name == "reduce_on_plateau") args.insert(args.end(), {"--metrics", run + "/metrics.csv"});
  const auto schedule = testing::run_attune(args);
  ASSERT_EQ(schedule.exit_code, 0) << schedule.err;
  std::istringstream ticks(schedule.out);
  std::getline(ticks, line);  // tick,lr
  double first = 0;
  for (int tick = 0; tick < 3; ++tick) {
    ASSERT_TRUE(std::getline(ticks, line)) << schedule.out;
    const double lr = std::stod(line.substr(line.find(',') + 1));
    if (tick == 0) first = lr;
    EXPECT_NEAR(lr / first, 1.0 + tick, 1e-9) << name << " tick " << tick << "\n" << schedule.out;
  }
  if (name != "one_cycle") EXPECT_NEAR(first, 0.004 * 0.25, 1e-12) << schedule.out;
}

INSTANTIATE_TEST_SUITE_P(BuiltIn, WarmupEveryScheduler, ::testing::ValuesIn(built_in_schedulers()),
                         [](const auto& info) { return info.param; });

}  // namespace warmup_every_scheduler_test
}  // namespace attune
