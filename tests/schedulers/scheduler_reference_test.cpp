// Every case in reference.json (made by make_reference.py with PyTorch's
// torch.optim.lr_scheduler) replayed through attune, built exactly as
// `attune schedule` builds it: the lr of every param group at every tick,
// and the momentum (SGD's or Adam's beta1) where schedulers cycle it.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/optim/optimizer_config.h"
#include "schedulers/lr_schedule.h"
#include "tests/schedulers/reference_cases.h"
#include "tests/support/test_support.h"

namespace attune {
namespace scheduler_reference_test {

using testing::ReferenceCase;

void expect_close(double got, double want, const std::string& what) {
  ASSERT_LE(std::abs(got - want), 1e-6 * std::abs(want) + 1e-15) << what << ": got " << got << ", want " << want;
}

class SchedulerReference : public ::testing::TestWithParam<std::string> {};

TEST_P(SchedulerReference, MatchesPyTorchAtEveryTick) {
  const ReferenceCase c = testing::reference_case(GetParam());
  auto built = testing::build_schedule(c);
  auto& scheduler = built.schedule->scheduler();
  ASSERT_EQ(c.ticks + 1, static_cast<int64_t>(c.lr.size()));
  ASSERT_EQ(built.schedule->total_ticks(), c.metrics.empty() ? c.ticks : static_cast<int64_t>(c.epochs));
  for (int64_t tick = 0; tick <= c.ticks; ++tick) {
    if (tick > 0) testing::tick(scheduler, c, tick);
    const auto groups = built.groups->size();
    ASSERT_EQ(groups, c.lr[tick].size());
    for (size_t g = 0; g < groups; ++g) {
      const std::string where = GetParam() + " tick " + std::to_string(tick) + " group " + std::to_string(g);
      expect_close(scheduler.last_lrs()[g], c.lr[tick][g], where + " lr");
      expect_close(built.groups->lr(g), c.lr[tick][g], where + " optimizer lr");
      if (built.groups->has_momentum(g))
        expect_close(built.groups->momentum(g), c.momentum[tick][g], where + " momentum");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(PyTorch, SchedulerReference, ::testing::ValuesIn(testing::reference_case_names()),
                         [](const auto& info) {
                           std::string name = info.param;  // gtest names allow [A-Za-z0-9_] only
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

// A run resumed from a checkpoint at any tick follows the uninterrupted
// sequence: scheduler state from the trainer's JSON, optimizer (momentum
// included) from LibTorch's archive, as --resume restores them.
TEST_P(SchedulerReference, ResumedScheduleContinuesTheSameSequence) {
  const ReferenceCase c = testing::reference_case(GetParam());
  for (int64_t stop : {int64_t{1}, c.ticks / 3, c.ticks - 7}) {
    auto first = testing::build_schedule(c);
    for (int64_t tick = 1; tick <= stop; ++tick) testing::tick(first.schedule->scheduler(), c, tick);
    const std::string state = first.schedule->state().dump();
    torch::serialize::OutputArchive archive;
    first.optimizer->save(archive);
    std::ostringstream bytes;
    archive.save_to(bytes);

    auto resumed = testing::build_schedule(c);
    std::istringstream in(bytes.str());
    torch::serialize::InputArchive input;
    input.load_from(in);
    resumed.optimizer->load(input);
    resumed.schedule->load_state(nlohmann::json::parse(state));
    for (int64_t tick = stop + 1; tick <= c.ticks; ++tick) {
      testing::tick(resumed.schedule->scheduler(), c, tick);
      for (size_t g = 0; g < resumed.groups->size(); ++g) {
        const std::string where = GetParam() + " resumed at " + std::to_string(stop) + ", tick " + std::to_string(tick);
        expect_close(resumed.groups->lr(g), c.lr[tick][g], where + " lr");
        if (resumed.groups->has_momentum(g)) {
          expect_close(resumed.groups->momentum(g), c.momentum[tick][g], where + " momentum");
        }
      }
    }
  }
}

}  // namespace scheduler_reference_test
}  // namespace attune

namespace attune {
namespace scheduler_reference_test {

// one_cycle's length defaults to the run's; a run resumed where the run's
// length is computed otherwise (a changed training set, other ranks) still
// follows the cycle it started (PyTorch's sequence), since total_steps is
// restored from the checkpoint rather than recomputed.
TEST(SchedulerResume, OneCycleKeepsTheTotalStepsItStartedWith) {
  int cases = 0;
  for (const auto& name : testing::reference_case_names()) {
    if (name.rfind("one_cycle", 0) != 0) continue;
    ++cases;
    const ReferenceCase c = testing::reference_case(name);
    const int64_t stop = c.ticks / 2;
    auto first = testing::build_schedule(c);
    for (int64_t tick = 1; tick <= stop; ++tick) testing::tick(first.schedule->scheduler(), c, tick);
    torch::serialize::OutputArchive archive;
    first.optimizer->save(archive);
    std::ostringstream bytes;
    archive.save_to(bytes);

    ReferenceCase longer = c;
    longer.steps_per_epoch *= 2;  // what the resumed session computes
    auto resumed = testing::build_schedule(longer);
    std::istringstream in(bytes.str());
    torch::serialize::InputArchive input;
    input.load_from(in);
    resumed.optimizer->load(input);
    resumed.schedule->load_state(first.schedule->state());
    for (int64_t tick = stop + 1; tick <= c.ticks; ++tick) {
      testing::tick(resumed.schedule->scheduler(), c, tick);
      for (size_t g = 0; g < resumed.groups->size(); ++g) {
        expect_close(resumed.groups->lr(g), c.lr[tick][g], name + " resumed, tick " + std::to_string(tick) + " lr");
      }
    }
  }
  EXPECT_GE(cases, 3);
}

}  // namespace scheduler_reference_test
}  // namespace attune
