// `attune sweep` end to end on a small real text task: results, resuming,
// a sweep whose workers and main process are killed, pruning, bad spaces.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "core/sweep/trial_store.h"
#include "tests/support/postgres_server.h"
#include "tests/sweep/sweep_support.h"

namespace attune {
namespace sweep_test {

using testing::read_csv;
using testing::sweep_experiment;
const std::vector<std::string>& kEnv = testing::kSweepEnv;

TEST(Sweep, RunsEveryTrialAndFoldAndWritesResults) {
  testing::TempDir dir;
  const auto yaml = sweep_experiment(dir);
  const auto result =
      testing::run_attune({"sweep", yaml, "train.epochs=2", "--sweep-dir", dir.file("sweep")}, "", kEnv);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto rows = read_csv(dir.file("sweep/results.csv"));
  ASSERT_EQ(rows.size(), 4u);
  std::set<std::string> combos;
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("status"), "complete");
    EXPECT_FALSE(row.at("split0_test_score").empty());
    EXPECT_FALSE(row.at("split1_test_score").empty());
    const double mean = std::stod(row.at("mean_test_score"));
    EXPECT_NEAR(mean, (std::stod(row.at("split0_test_score")) + std::stod(row.at("split1_test_score"))) / 2, 1e-12);
    combos.insert(row.at("param_optimizer.lr") + "/" + row.at("param_model.num_heads"));
  }
  EXPECT_EQ(combos, (std::set<std::string>{"0.001/1", "0.001/2", "0.003/1", "0.003/2"}));
  EXPECT_NE(result.out.find("rank  trial  optimizer.lr  model.num_heads  mean_val_accuracy"), std::string::npos)
      << result.out;
  // results.csv reads as GridSearchCV's cv_results_ (pandas), and GridSearchCV
  // over the same fold scores gives the same means, stds and ranks.
  const auto sklearn = testing::run_shell(testing::python() + " " + testing::source_dir() +
                                          "/tests/python/cv_results_reference.py " + dir.file("sweep/results.csv"));
  ASSERT_EQ(sklearn.exit_code, 0) << sklearn.text;
  const auto checked = nlohmann::json::parse(sklearn.text);
  EXPECT_EQ(checked["candidates"], 4);
  // 4 fit and score times, 2 param_ columns, params, 2 splits, mean, std, rank.
  EXPECT_EQ(checked["columns"].size(), 12u);
  for (const auto& row : rows) {
    EXPECT_GT(std::stod(row.at("mean_fit_time")), 0.0);
    EXPECT_GT(std::stod(row.at("mean_score_time")), 0.0);
  }
  for (const char* file : {"best.yaml", "heatmap.svg", "learning_curves.svg", "trials.db", "sweep.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.file("sweep/") + file)) << file;
  }
  // best.yaml is a plain experiment: it trains.
  const auto best =
      testing::run_attune({"train", dir.file("sweep/best.yaml"), "--run-dir", dir.file("best")}, "", kEnv);
  EXPECT_EQ(best.exit_code, 0) << best.err;
  EXPECT_EQ(testing::read_text(dir.file("sweep/best.yaml")).find("search:"), std::string::npos);
}

TEST(Sweep, RunningItAgainResumesWithoutRetraining) {
  testing::TempDir dir;
  const auto yaml = sweep_experiment(dir);
  const std::vector<std::string> args = {"sweep", yaml, "train.epochs=2", "--sweep-dir", dir.file("sweep")};
  ASSERT_EQ(testing::run_attune(args, "", kEnv).exit_code, 0);
  const std::string metrics = dir.file("sweep/trials/trial_0000/fold_0/metrics.csv");
  const auto written = std::filesystem::last_write_time(metrics);
  const std::string first = testing::read_text(dir.file("sweep/results.csv"));
  const auto again = testing::run_attune(args, "", kEnv);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(std::filesystem::last_write_time(metrics), written);
  EXPECT_EQ(testing::read_text(dir.file("sweep/results.csv")), first);
  // Trials that would train otherwise, under the same name and folder, are refused.
  const auto changed =
      testing::run_attune({"sweep", yaml, "train.epochs=3", "--sweep-dir", dir.file("sweep")}, "", kEnv);
  EXPECT_EQ(changed.exit_code, 2);
  EXPECT_NE(changed.err.find("was made with train.epochs=2; this run has 3"), std::string::npos) << changed.err;
}

TEST(Sweep, KilledWorkersAndMainProcessLoseNothing) {
  testing::TempDir dir;
  const auto yaml =
      sweep_experiment(dir, "{type: none}", "{optimizer.lr: [0.001, 0.002, 0.003], model.num_heads: [1, 2]}", 400);
  const std::vector<std::string> reference_args = {"sweep", yaml,          "train.epochs=6",     "--workers",
                                                   "2",     "--sweep-dir", dir.file("reference")};
  ASSERT_EQ(testing::run_attune(reference_args, "", kEnv).exit_code, 0);

  const std::vector<std::string> args = {"sweep", yaml,          "train.epochs=6",  "--workers",
                                         "2",     "--sweep-dir", dir.file("killed")};
  const int main_pid = testing::start_attune(args, dir.file("killed.log"), kEnv);
  auto wait_for = [&](const std::function<bool(const std::vector<TrialRecord>&)>& ready) {
    for (int i = 0; i < 600; ++i) {
      if (std::filesystem::exists(dir.file("killed/trials.db"))) {
        const auto trials = open_trial_store("sqlite://" + dir.file("killed/trials.db"), "tiny")->trials();
        if (ready(trials)) return trials;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "timed out; log:\n" << testing::read_text(dir.file("killed.log"));
    return std::vector<TrialRecord>{};
  };
  // Kill a worker in the middle of a trial: the sweep restarts it.
  auto trials = wait_for([](const auto& t) {
    return std::any_of(t.begin(), t.end(), [](const auto& r) { return r.status == TrialStatus::running; });
  });
  for (const auto& t : trials) {
    if (t.status == TrialStatus::running) {
      kill(std::stoi(t.worker.substr(t.worker.find(':') + 1)), SIGKILL);
      break;
    }
  }
  // Then kill the whole sweep once some trials are done and others running.
  wait_for([](const auto& t) {
    return std::count_if(t.begin(), t.end(), [](const auto& r) { return r.status == TrialStatus::complete; }) >= 2 &&
           std::any_of(t.begin(), t.end(), [](const auto& r) { return r.status == TrialStatus::running; });
  });
  kill(-main_pid, SIGKILL);
  EXPECT_EQ(testing::wait_attune(main_pid), 128 + SIGKILL);
  const auto resumed = testing::run_attune(args, "", kEnv);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;

  const auto rows = read_csv(dir.file("killed/results.csv")), expected = read_csv(dir.file("reference/results.csv"));
  ASSERT_EQ(rows.size(), 6u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].at("trial"), std::to_string(i));
    EXPECT_EQ(rows[i].at("status"), "complete");
    // Killed and resumed folds end exactly as uninterrupted ones.
    EXPECT_EQ(rows[i].at("mean_test_score"), expected[i].at("mean_test_score")) << "trial " << i;
    EXPECT_EQ(rows[i].at("split1_test_score"), expected[i].at("split1_test_score")) << "trial " << i;
  }
}

TEST(Sweep, TwentySigkillsAtRandomMomentsLoseNothing) {
  // The whole sweep (main process and workers) killed 20 times, each after a
  // random share of an uninterrupted sweep's length, each time started again;
  // the last start finishes it. Every trial and fold ends as uninterrupted.
  testing::TempDir dir;
  const auto yaml = sweep_experiment(dir);
  auto args = [&](const std::string& folder) {
    return std::vector<std::string>{
        "sweep", yaml, "train.epochs=2", "search.stale_after_seconds=1", "--sweep-dir", dir.file(folder)};
  };
  const auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(testing::run_attune(args("reference"), "", kEnv).exit_code, 0);
  const auto length = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  std::mt19937 random(27112026);
  std::uniform_int_distribution<int64_t> moment(0, length.count());
  for (int kill_number = 0; kill_number < 20; ++kill_number) {
    const int pid = testing::start_attune(args("killed"), dir.file("killed.log"), kEnv);
    std::this_thread::sleep_for(std::chrono::milliseconds(moment(random)));
    kill(-pid, SIGKILL);
    const int code = testing::wait_attune(pid);
    ASSERT_TRUE(code == 128 + SIGKILL || code == 0)
        << "kill " << kill_number << ": " << testing::read_text(dir.file("killed.log"));
  }
  const auto last = testing::run_attune(args("killed"), "", kEnv);
  ASSERT_EQ(last.exit_code, 0) << last.err;
  const auto rows = read_csv(dir.file("killed/results.csv")), expected = read_csv(dir.file("reference/results.csv"));
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].at("status"), "complete") << "trial " << i;
    for (const char* column : {"split0_test_score", "split1_test_score", "mean_test_score", "rank_test_score"}) {
      EXPECT_EQ(rows[i].at(column), expected[i].at(column)) << "trial " << i << " " << column;
    }
  }
}

TEST(Sweep, PrunedTrialsAreMarkedNotLost) {
  testing::TempDir dir;
  // A learning rate of 1e-9 never lowers the loss: ASHA, comparing losses
  // downward without being told (no search.mode), stops it at a rung.
  const auto yaml =
      sweep_experiment(dir, "{type: asha, min_epochs: 1, reduction_factor: 2}", "{optimizer.lr: [0.01, 1.0e-9]}");
  const auto result = testing::run_attune({"sweep", yaml, "train.epochs=9", "search.cv_folds=0",
                                           "search.metric=val_loss", "--sweep-dir", dir.file("sweep")},
                                          "", kEnv);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto rows = read_csv(dir.file("sweep/results.csv"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("status"), "complete");
  EXPECT_EQ(rows[0].at("rank_test_score"), "1");
  EXPECT_EQ(rows[1].at("status"), "pruned");
  EXPECT_FALSE(rows[1].at("split0_test_score").empty());  // its last value is kept
  EXPECT_EQ(read_csv(dir.file("sweep/trials/trial_0000/fold_0/metrics.csv")).size(), 9u);
  const size_t pruned_epochs = read_csv(dir.file("sweep/trials/trial_0001/fold_0/metrics.csv")).size();
  EXPECT_LT(pruned_epochs, 9u);
  // What each trial cost, as its metrics.csv has it.
  EXPECT_EQ(rows[0].at("trained_epochs"), "9");
  EXPECT_EQ(rows[1].at("trained_epochs"), std::to_string(pruned_epochs));
  EXPECT_NE(result.out.find(fmt::format("2 trials, {} epochs trained over their folds", 9 + pruned_epochs)),
            std::string::npos)
      << result.out;
}

TEST(Sweep, ATrialWithAnInvalidValueFailsBeforeAnyTraining) {
  testing::TempDir dir;
  const auto yaml = sweep_experiment(dir, "{type: none}", "{model.num_heads: [2], optimizer.lrr: [0.1]}");
  const auto result = testing::run_attune({"sweep", yaml, "--sweep-dir", dir.file("sweep")}, "", kEnv);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("search trial 0: `optimizer.lrr=0.1`: optimizer.lrr: unknown key (did you mean `lr`?)"),
            std::string::npos)
      << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("sweep/trials")));
}

TEST(Sweep, SchedulerTypesAreSearchedWithTheirOwnParameters) {
  testing::TempDir dir;
  const auto yaml =
      sweep_experiment(dir, "{type: none}", "{scheduler.type: [cosine, {type: exponential, gamma: 0.5}]}");
  const auto result = testing::run_attune(
      {"sweep", yaml, "train.epochs=2", "search.cv_folds=0", "--sweep-dir", dir.file("sweep")}, "", kEnv);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // The exponential trial kept the section's warmup and dropped cosine's keys.
  const std::string config = testing::read_text(dir.file("sweep/trials/trial_0001/fold_0/config.yaml"));
  EXPECT_NE(config.find("scheduler:\n  type: exponential\n  gamma: 0.5\n"), std::string::npos) << config;
  EXPECT_NE(config.find("warmup_steps: 4"), std::string::npos) << config;
}

TEST(Sweep, TwoWorkersOnPostgresRunEachTrialOnceAndMatchSqlite) {
  testing::TempDir dir;
  const auto yaml =
      sweep_experiment(dir, "{type: none}", "{optimizer.lr: [0.001, 0.002, 0.003], model.num_heads: [1, 2]}", 400);
  const auto reference =
      testing::run_attune({"sweep", yaml, "train.epochs=2", "--sweep-dir", dir.file("sqlite")}, "", kEnv);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;

  // Two `attune sweep` processes, as on two machines: each its own sweep
  // folder, one shared store.
  testing::PostgresServer server;
  std::vector<int> pids;
  for (const char* machine : {"a", "b"}) {
    pids.push_back(testing::start_attune({"sweep", yaml, "train.epochs=2", "--workers", "1", "--storage", server.url(),
                                          "--sweep-dir", dir.file(machine)},
                                         dir.file(std::string(machine) + ".log"), kEnv));
  }
  for (size_t i = 0; i < pids.size(); ++i) {
    EXPECT_EQ(testing::wait_attune(pids[i]), 0) << testing::read_text(dir.file(i == 0 ? "a.log" : "b.log"));
  }

  const auto expected = read_csv(dir.file("sqlite/results.csv"));
  ASSERT_EQ(expected.size(), 6u);
  std::set<std::string> workers;
  for (const char* machine : {"a", "b"}) {
    const auto rows = read_csv(dir.file(std::string(machine) + "/results.csv"));
    ASSERT_EQ(rows.size(), expected.size()) << machine;
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i].at("status"), "complete");
      EXPECT_EQ(rows[i].at("param_optimizer.lr"), expected[i].at("param_optimizer.lr"));
      EXPECT_EQ(rows[i].at("split0_test_score"), expected[i].at("split0_test_score")) << "trial " << i;
      EXPECT_EQ(rows[i].at("split1_test_score"), expected[i].at("split1_test_score")) << "trial " << i;
      EXPECT_EQ(rows[i].at("rank_test_score"), expected[i].at("rank_test_score")) << "trial " << i;
    }
  }
  // Each trial's folds were trained in exactly one of the two folders.
  for (size_t trial = 0; trial < expected.size(); ++trial) {
    int trained = 0;
    for (const char* machine : {"a", "b"}) {
      trained +=
          std::filesystem::exists(fmt::format("{}/trials/trial_{:04}/fold_0/metrics.csv", dir.file(machine), trial));
    }
    EXPECT_EQ(trained, 1) << "trial " << trial;
  }
  for (const auto& record : open_trial_store(server.url(), "tiny")->trials()) workers.insert(record.worker);
  EXPECT_EQ(workers.size(), 2u) << "both processes should have taken trials";
}

TEST(Sweep, TrialsLongerThanTheStaleLimitAreNotTakenOver) {
  testing::TempDir dir;
  // A trial here outlasts the 0.5 s stale limit (two folds of ten epochs):
  // only the worker's heartbeats keep the other worker from claiming it
  // again. With heartbeats sent once an epoch instead, trials ran twice.
  const auto yaml = sweep_experiment(dir, "{type: none}", "{optimizer.lr: [0.001, 0.002, 0.003, 0.004]}", 400);
  const auto result = testing::run_attune({"sweep", yaml, "train.epochs=10", "search.stale_after_seconds=0.5",
                                           "--workers", "2", "--sweep-dir", dir.file("sweep")},
                                          "", kEnv);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string logs =
      testing::read_text(dir.file("sweep/logs/worker_0.log")) + testing::read_text(dir.file("sweep/logs/worker_1.log"));
  for (int trial = 0; trial < 4; ++trial) {
    for (int fold = 1; fold <= 2; ++fold) {
      const std::string line = fmt::format("trial {} fold {}/2:", trial, fold);
      size_t count = 0;
      for (size_t at = logs.find(line); at != std::string::npos; at = logs.find(line, at + 1)) ++count;
      EXPECT_EQ(count, 1u) << line << "\n" << logs;
    }
  }
  const auto metrics = read_csv(dir.file("sweep/trials/trial_0000/fold_0/metrics.csv"));
  EXPECT_EQ(metrics.size(), 10u);
}

}  // namespace sweep_test
}  // namespace attune
