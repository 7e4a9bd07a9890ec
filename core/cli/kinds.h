#pragma once

#include "callbacks/callback.h"
#include "core/data/dataset.h"
#include "core/data/tokenizer.h"
#include "core/optim/optimizer_factory.h"
#include "initializers/initializer.h"
#include "losses/loss.h"
#include "metrics/metric.h"
#include "models/model.h"
#include "schedulers/scheduler.h"

namespace attune::cli {

/// Calls `visit(Kind{})` for every registry kind, in the order `attune list`
/// and `attune docs` show them.
template <class Visitor>
void for_each_kind(Visitor&& visit) {
  visit(ModelKind{});
  visit(DataKind{});
  visit(TokenizerKind{});
  visit(InitializerKind{});
  visit(OptimizerKind{});
  visit(SchedulerKind{});
  visit(MetricKind{});
  visit(LossKind{});
  visit(CallbackKind{});
}

}  // namespace attune::cli
