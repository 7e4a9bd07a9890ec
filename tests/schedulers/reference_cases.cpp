#include "tests/schedulers/reference_cases.h"

#include <nlohmann/json.hpp>

#include "core/optim/optimizer_config.h"
#include "tests/support/test_support.h"

namespace attune::testing {
namespace {

const nlohmann::json& reference() {
  static const auto* json =
      new nlohmann::json(nlohmann::json::parse(read_text(source_dir() + "/tests/schedulers/reference.json")));
  return *json;
}

template <class T>
T parse_section(const std::string& yaml) {
  const config::Context ctx("<reference.json>", std::filesystem::current_path());
  return config::Schema<T>::instance().parse(YAML::Load(yaml), ctx);
}

}  // namespace

std::vector<std::string> reference_case_names() {
  std::vector<std::string> names;
  for (const auto& c : reference().at("cases")) names.push_back(c.at("name").get<std::string>());
  return names;
}

ReferenceCase reference_case(const std::string& name) {
  for (const auto& c : reference().at("cases")) {
    if (c.at("name") != name) continue;
    ReferenceCase result;
    result.name = name;
    result.optimizer_yaml = c.at("optimizer").dump();  // JSON is YAML
    result.scheduler_yaml = c.at("scheduler").dump();
    result.steps_per_epoch = c.at("steps_per_epoch").get<int64_t>();
    result.epochs = c.at("epochs").get<int64_t>();
    result.ticks = c.at("ticks").get<int64_t>();
    if (!c.at("metrics").is_null()) result.metrics = c.at("metrics").get<std::vector<double>>();
    result.lr = c.at("lr").get<std::vector<std::vector<double>>>();
    result.momentum = c.at("momentum").get<std::vector<std::vector<double>>>();
    return result;
  }
  throw std::runtime_error("no reference case " + name);
}

BuiltSchedule build_schedule(const ReferenceCase& c) {
  BuiltSchedule built;
  const auto optimizer_config = parse_section<OptimizerConfig>(c.optimizer_yaml);
  built.optimizer = build_optimizer(optimizer_config, placeholder_param_groups(optimizer_config));
  built.schedule = std::make_unique<LrSchedule>(parse_section<LrScheduleConfig>(c.scheduler_yaml), *built.optimizer,
                                                c.steps_per_epoch, c.epochs);
  built.groups = std::make_unique<ParamGroups>(*built.optimizer);
  return built;
}

void tick(Scheduler& scheduler, const ReferenceCase& c, int64_t tick) {
  if (scheduler.needs_metric()) {
    scheduler.step_metric(c.metrics.at(static_cast<size_t>(tick - 1)));
  } else {
    scheduler.step();
  }
}

}  // namespace attune::testing
