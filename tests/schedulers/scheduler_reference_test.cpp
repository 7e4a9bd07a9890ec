// Every scheduler case in reference.json (made by make_reference.py with
// PyTorch's torch.optim.lr_scheduler) replayed through attune: the lr of every
// param group at every tick must match.
#include <gtest/gtest.h>
#include <torch/optim/sgd.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/optim/optimizer_factory.h"
#include "schedulers/lr_schedule.h"
#include "tests/support/test_support.h"

namespace attune {
namespace {

nlohmann::json load_reference() {
  return nlohmann::json::parse(testing::read_text(testing::source_dir() + "/tests/schedulers/reference.json"));
}

/// An SGD optimizer (momentum 0.9, as the reference) with one group per lr.
std::shared_ptr<torch::optim::Optimizer> make_optimizer(const std::vector<double>& lrs) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (double lr : lrs) {
    groups.emplace_back(std::vector<torch::Tensor>{torch::zeros({1}, torch::requires_grad())},
                        std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(lr).momentum(0.9)));
  }
  return std::make_shared<torch::optim::SGD>(std::move(groups), torch::optim::SGDOptions(lrs.front()).momentum(0.9));
}

LrScheduleConfig parse_config(const nlohmann::json& json) {
  const config::Context ctx("<reference.json>", std::filesystem::current_path());
  return config::Schema<LrScheduleConfig>::instance().parse(YAML::Load(json.dump()), ctx);
}

class SchedulerReference : public ::testing::TestWithParam<std::string> {};

TEST_P(SchedulerReference, MatchesPyTorchAtEveryTick) {
  const auto reference = load_reference();
  for (const auto& c : reference.at("cases")) {
    if (c.at("name") != GetParam()) continue;
    const auto lrs = c.at("lrs").get<std::vector<double>>();
    auto optimizer = make_optimizer(lrs);
    LrSchedule schedule(parse_config(c.at("config")), *optimizer, c.at("steps_per_epoch").get<int64_t>(),
                        c.at("epochs").get<int64_t>());
    const auto& expected = c.at("expected");
    ASSERT_EQ(static_cast<int64_t>(expected.size()), c.at("ticks").get<int64_t>() + 1);
    double worst = 0.0;
    for (size_t tick = 0; tick < expected.size(); ++tick) {
      if (tick > 0) schedule.scheduler().step();
      const auto& got = schedule.scheduler().last_lrs();
      ASSERT_EQ(got.size(), lrs.size());
      for (size_t g = 0; g < lrs.size(); ++g) {
        const double want = expected[tick][g].get<double>();
        const double error = std::abs(got[g] - want) / std::max(std::abs(want), 1e-300);
        worst = std::max(worst, want == 0.0 ? std::abs(got[g]) : error);
        ASSERT_LE(std::abs(got[g] - want), 1e-6 * std::abs(want) + 1e-15)
            << GetParam() << " tick " << tick << " group " << g;
      }
    }
    RecordProperty("max_relative_error", std::to_string(worst));
    return;
  }
  FAIL() << "no case " << GetParam();
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  const auto reference = load_reference();
  for (const auto& c : reference.at("cases")) names.push_back(c.at("name").get<std::string>());
  return names;
}

INSTANTIATE_TEST_SUITE_P(PyTorch, SchedulerReference, ::testing::ValuesIn(case_names()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace attune
