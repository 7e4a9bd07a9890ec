#pragma once

#include <torch/optim/optimizer.h>

#include <memory>
#include <string>
#include <vector>

#include "schedulers/lr_schedule.h"

namespace attune::testing {

/// One case of tests/schedulers/reference.json.
struct ReferenceCase {
  std::string name;
  std::string optimizer_yaml;  // attune's `optimizer:` section
  std::string scheduler_yaml;  // attune's `scheduler:` section
  int64_t steps_per_epoch = 0;
  int64_t epochs = 0;
  int64_t ticks = 0;
  std::vector<double> metrics;                // for reduce_on_plateau
  std::vector<std::vector<double>> lr;        // [tick][group]
  std::vector<std::vector<double>> momentum;  // [tick][group]
};

std::vector<std::string> reference_case_names();
ReferenceCase reference_case(const std::string& name);

/// A case's optimizer (over stand-in parameters, as `attune schedule` makes
/// it) and its schedule.
struct BuiltSchedule {
  std::shared_ptr<torch::optim::Optimizer> optimizer;
  std::unique_ptr<LrSchedule> schedule;
  std::unique_ptr<ParamGroups> groups;  // a view for reading lr and momentum
};
BuiltSchedule build_schedule(const ReferenceCase& c);

/// Advances to `tick`, feeding the case's metric where the scheduler needs one.
void tick(Scheduler& scheduler, const ReferenceCase& c, int64_t tick);

}  // namespace attune::testing
