#include "core/sweep/sweep_worker.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "core/metrics/metric_names.h"
#include "core/search/folds.h"
#include "core/search/pareto.h"
#include "core/search/pruner.h"
#include "core/sweep/trial_measures.h"
#include "core/sweep/trial_proposal.h"
#include "core/train/trainer.h"

namespace attune {
namespace {

std::string host_name() {
  char name[256] = {};
  gethostname(name, sizeof(name) - 1);
  return name;
}

bool finished(TrialStatus status) {
  return status == TrialStatus::complete || status == TrialStatus::pruned || status == TrialStatus::failed;
}

/// Tells the store, every quarter of `stale_after_seconds`, that this worker
/// still runs `trial`, for as long as it lives: an epoch may take longer than
/// the stale limit, and a trial must not be taken over while it is trained.
/// It has its own connection, since store connections are not shared across
/// threads.
class Heartbeat {
 public:
  Heartbeat(const SweepSpec& spec, int64_t trial, const std::string& worker)
      : store_(open_trial_store(spec.storage, spec.name())),
        interval_(std::chrono::duration<double>(spec.search().stale_after_seconds / 4)),
        thread_([this, trial, worker] { beat(trial, worker); }) {}
  ~Heartbeat() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

 private:
  void beat(int64_t trial, const std::string& worker) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopped_; })) {
      try {
        store_->heartbeat(trial, worker);
      } catch (const std::exception& e) {
        // A store that is briefly unreachable is not the trial's failure; the
        // next beat (or the trial's own next write) tries again.
        fmt::print(stderr, "heartbeat for trial {}: {}\n", trial, e.what());
      }
    }
  }

  std::unique_ptr<TrialStore> store_;
  std::chrono::duration<double> interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopped_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

/// A fold's score: its best reported value in the search's direction (with
/// the epoch of it and, with several objectives, every objective there); the
/// first, on a tie. NaN values lose to any number; a fold with nothing but
/// NaN scores NaN from its first epoch.
IntermediateRecord best_evaluation(const std::vector<IntermediateRecord>& history, MetricGoal goal) {
  std::optional<IntermediateRecord> best;
  for (const auto& record : history) {
    if (!best || (std::isnan(best->value) && !std::isnan(record.value)) || improves(goal, record.value, best->value))
      best = record;
  }
  if (!best) runtime_error("no evaluation was recorded for the fold");
  return *best;
}

/// Whether scoring a trial needs its model measured (an objective or the
/// metric is `parameters` or `latency_ms`).
bool measures_model(const SearchConfig& search) {
  auto is_model_measure = [](const std::string& name) {
    return name == metric::parameters || name == metric::latency_ms;
  };
  if (is_model_measure(search.metric)) return true;
  return std::any_of(search.objectives.begin(), search.objectives.end(),
                     [&](const ObjectiveConfig& o) { return is_model_measure(o.metric); });
}

/// Runs one trial; returns its final status.
TrialStatus run_trial(const SweepSpec& spec, TrialStore& store, int64_t trial, const std::string& worker,
                      const std::string& label, std::map<std::string, std::shared_ptr<DataModule>>& data_cache) {
  const auto& search = spec.search();
  std::string params_json;
  for (const auto& record : store.trials()) {
    if (record.trial == trial) params_json = record.params_json;
  }
  const TrialParams params = params_from_json(params_json);
  const LoadedExperiment loaded = spec.trial_experiment(params, trial);
  // Several objectives prune by Pareto dominance at ASHA's rungs; one, as search.pruner says.
  const bool several = search.multi_objective();
  const auto goals = search.goals();
  const auto pruner =
      several ? nullptr : make_pruner(search.pruner, search.goal(), loaded.config.train.epochs, spec.name());
  std::optional<ParetoAshaPruner> pareto_pruner;
  if (several && search.pruner.type == PrunerType::asha) {
    pareto_pruner.emplace(search.pruner.min_epochs, search.pruner.reduction_factor,
                          search.pruner.max_epochs > 0 ? search.pruner.max_epochs : loaded.config.train.epochs,
                          search.pruner.margin);
  }

  // One data module per data section and process: folds and trials share it.
  const std::string data_key =
      to_yaml(config::Codec<Component<DataKind>>::emit(loaded.config.data)) + std::to_string(loaded.config.seed);
  auto& data = data_cache[data_key];
  if (!data) data = loaded.config.data.create({static_cast<uint64_t>(loaded.config.seed), {}});

  std::vector<std::optional<std::pair<std::vector<int64_t>, std::vector<int64_t>>>> folds;
  if (search.cv_folds >= 2) {
    const Subset train = data->train();
    std::vector<int64_t> labels;
    for (int64_t index : train.indices) labels.push_back(train.dataset->label(index));
    for (auto& fold : stratified_folds(labels, search.cv_folds, static_cast<uint64_t>(loaded.config.seed))) {
      folds.emplace_back(std::make_pair(std::move(fold.train), std::move(fold.valid)));
    }
  } else {
    folds.emplace_back(std::nullopt);
  }
  std::map<int64_t, FoldRecord> done;
  for (const auto& record : store.folds(trial)) done[record.fold] = record;

  for (size_t f = 0; f < folds.size(); ++f) {
    const auto fold = static_cast<int64_t>(f);
    if (done.count(fold)) {
      if (done[fold].pruned) return TrialStatus::pruned;
      continue;
    }
    BuildOptions options;
    options.data = data;
    options.fold = folds[f];
    Experiment experiment = build_experiment(loaded, options);
    const TrialMeasures measures = measures_model(search) ? measure_trial(experiment) : TrialMeasures{};
    const RunDirectory run(fold_run_dir(spec, trial, fold));
    const bool resume = std::filesystem::exists(run.last_checkpoint());
    Trainer trainer(experiment, run);
    trainer.on_epoch_end([&](const MetricsRow& row, double train_seconds) {
      const auto epoch = static_cast<int64_t>(row.get(metric::epoch));
      const double value = objective_value(search.metric, row, train_seconds, measures);
      std::vector<double> objectives;
      if (several) {
        for (const auto& o : search.objectives)
          objectives.push_back(objective_value(o.metric, row, train_seconds, measures));
      }
      store.report_intermediate({trial, fold, epoch, value, objectives});
      if (pareto_pruner) {
        if (!pareto_pruner->is_rung(epoch)) return false;
        std::vector<LossVector> others;
        for (const auto& record : store.intermediate_values(fold, epoch)) {
          if (record.trial != trial && record.objectives.size() == objectives.size())
            others.push_back(as_losses(record.objectives, goals));
        }
        return pareto_pruner->should_prune(epoch, as_losses(objectives, goals), others);
      }
      if (!pruner) return false;
      std::vector<PeerValue> others;
      for (const auto& record : store.intermediate_values(fold, epoch)) {
        if (record.trial != trial) others.push_back({record.trial, record.value});
      }
      return pruner->should_prune(trial, epoch, value, others);
    });
    const auto summary = trainer.fit(resume);
    const bool pruned = summary.pruned;
    const int64_t epochs = summary.epochs;
    // Scored by the search's own metric and direction over every evaluation
    // of the fold (those before a resume included, which the store has), not
    // at the epoch the early-stopping metric preferred. Epochs past this
    // run's last are a dead worker's, trained again here.
    std::vector<IntermediateRecord> history;
    for (const auto& record : store.fold_history(trial, fold)) {
      if (record.epoch <= epochs) history.push_back(record);
    }
    const IntermediateRecord best = best_evaluation(history, search.goal());
    const double value = best.value;
    const int64_t best_epoch = best.epoch;
    store.record_fold({trial, fold, value, best_epoch, epochs, pruned, summary.train_seconds,
                       std::max(0.0, summary.seconds - summary.train_seconds), best.objectives});
    fmt::print(stderr, "{}trial {} fold {}/{}: {} {:.4f} (epoch {}){}\n", label, trial, fold + 1, folds.size(),
               search.metric, value, best_epoch, pruned ? " (pruned)" : "");
    if (pruned) return TrialStatus::pruned;
  }
  return TrialStatus::complete;
}

}  // namespace

std::string worker_id() {
  return fmt::format("{}:{}", host_name(), getpid());
}

int release_dead_local_workers(TrialStore& store) {
  const std::string prefix = host_name() + ":";
  int released = 0;
  for (const auto& trial : store.trials()) {
    if (trial.status != TrialStatus::running || trial.worker.rfind(prefix, 0) != 0) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(trial.worker.substr(prefix.size())));
    if (pid == getpid()) continue;
    if (kill(pid, 0) != 0 && errno == ESRCH && store.release_trial(trial.trial, trial.worker)) ++released;
  }
  return released;
}

std::string fold_run_dir(const SweepSpec& spec, int64_t trial, int64_t fold) {
  return fmt::format("{}/trials/trial_{:04}/fold_{}", spec.sweep_dir, trial, fold);
}

void run_sweep_worker(const SweepSpec& spec, TrialStore& store, const std::string& label) {
  const std::string worker = worker_id();
  std::map<std::string, std::shared_ptr<DataModule>> data_cache;
  release_dead_local_workers(store);
  while (true) {
    auto trial = store.claim_trial(worker, spec.search().stale_after_seconds);
    if (!trial) trial = propose_trial(spec, store, worker);
    if (!trial) {
      // Trials still running elsewhere may yet come back (their worker dies):
      // wait for every trial to finish, claiming what goes stale.
      const auto trials = store.trials();
      const bool all_done = std::all_of(trials.begin(), trials.end(), [](const auto& t) { return finished(t.status); });
      if (all_done) return;
      release_dead_local_workers(store);
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    TrialStatus status = TrialStatus::failed;
    std::string message;
    try {
      const Heartbeat heartbeat(spec, *trial, worker);
      status = run_trial(spec, store, *trial, worker, label, data_cache);
    } catch (const std::exception& e) {
      message = std::string(e.what()).substr(0, std::string(e.what()).find('\n'));
      fmt::print(stderr, "{}trial {} failed: {}\n", label, *trial, message);
    }
    store.finish_trial(*trial, worker, status, message);
  }
}

}  // namespace attune
