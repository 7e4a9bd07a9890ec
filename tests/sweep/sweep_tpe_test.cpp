// `attune sweep` with strategy: tpe: trials proposed one at a time as
// others finish, starting as random search, up to `search.trials` and no
// more, with parallel workers and with two processes sharing a PostgreSQL
// store, as on two machines.
#include <gtest/gtest.h>

#include <set>

#include "core/sweep/trial_store.h"
#include "tests/support/postgres_server.h"
#include "tests/sweep/sweep_support.h"

namespace attune {
namespace sweep_tpe_test {

using testing::read_csv;
const std::vector<std::string>& kEnv = testing::kSweepEnv;

const char* kSpace =
    "{optimizer.lr: {distribution: log_uniform, low: 1.0e-4, high: 0.1}, model.num_heads: [1, 2], "
    "train.batch_size: {distribution: int_uniform, low: 8, high: 16}}";

std::vector<std::string> sweep_args(const std::string& yaml, const std::string& strategy, int64_t trials) {
  return {"sweep",
          yaml,
          "train.epochs=1",
          "search.cv_folds=0",
          "search.strategy=" + strategy,
          fmt::format("search.trials={}", trials),
          "search.tpe.startup_trials=3"};
}

TEST(SweepTpe, ProposesTrialsUpToTheCountStartingAsRandomSearch) {
  testing::TempDir dir;
  const auto yaml = testing::sweep_experiment(dir, "{type: none}", kSpace);
  auto tpe = sweep_args(yaml, "tpe", 7);
  for (const char* arg : {"--workers", "2", "--sweep-dir"}) tpe.push_back(arg);
  tpe.push_back(dir.file("tpe"));
  const auto result = testing::run_attune(tpe, "", kEnv);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto random = sweep_args(yaml, "random", 3);
  random.push_back("--sweep-dir");
  random.push_back(dir.file("random"));
  ASSERT_EQ(testing::run_attune(random, "", kEnv).exit_code, 0);

  const auto rows = read_csv(dir.file("tpe/results.csv"));
  ASSERT_EQ(rows.size(), 7u);
  std::set<std::string> trials;
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("status"), "complete");
    trials.insert(row.at("trial"));
    const double lr = std::stod(row.at("param_optimizer.lr"));
    EXPECT_GE(lr, 1.0e-4);
    EXPECT_LE(lr, 0.1);
    const int batch = std::stoi(row.at("param_train.batch_size"));
    EXPECT_GE(batch, 8);
    EXPECT_LE(batch, 16);
  }
  EXPECT_EQ(trials.size(), 7u);
  // The three start-up trials are random search's first three.
  std::map<std::string, std::string> random_params;
  for (const auto& row : read_csv(dir.file("random/results.csv"))) random_params[row.at("trial")] = row.at("params");
  std::map<std::string, std::string> tpe_params;
  for (const auto& row : rows) tpe_params[row.at("trial")] = row.at("params");
  for (const char* trial : {"0", "1", "2"}) EXPECT_EQ(tpe_params[trial], random_params.at(trial)) << trial;

  // Asking again for more trials continues the sweep with new ones.
  tpe = sweep_args(yaml, "tpe", 9);
  tpe.push_back("--sweep-dir");
  tpe.push_back(dir.file("tpe"));
  const auto grown = testing::run_attune(tpe, "", kEnv);
  ASSERT_EQ(grown.exit_code, 0) << grown.err;
  EXPECT_EQ(read_csv(dir.file("tpe/results.csv")).size(), 9u);
  EXPECT_FALSE(std::filesystem::exists(dir.file("tpe/trials/trial_0009")));
}

TEST(SweepTpe, TwoProcessesOnPostgresAddNoMoreThanTheCount) {
  testing::TempDir dir;
  const auto yaml = testing::sweep_experiment(dir, "{type: none}", kSpace);
  testing::PostgresServer server;
  std::vector<int> pids;
  for (const char* machine : {"a", "b"}) {
    auto args = sweep_args(yaml, "tpe", 8);
    const std::vector<std::string> more = {"--workers",  "1",           "--storage",
                                           server.url(), "--sweep-dir", dir.file(machine)};
    args.insert(args.end(), more.begin(), more.end());
    pids.push_back(testing::start_attune(args, dir.file(std::string(machine) + ".log"), kEnv));
  }
  for (size_t i = 0; i < pids.size(); ++i) {
    EXPECT_EQ(testing::wait_attune(pids[i]), 0) << testing::read_text(dir.file(i == 0 ? "a.log" : "b.log"));
  }
  const auto records = open_trial_store(server.url(), "tiny")->trials();
  ASSERT_EQ(records.size(), 8u);
  std::set<std::string> workers;
  for (const auto& record : records) {
    EXPECT_EQ(record.status, TrialStatus::complete) << record.trial;
    workers.insert(record.worker);
  }
  EXPECT_EQ(workers.size(), 2u) << "both processes should have taken trials";
  EXPECT_EQ(read_csv(dir.file("a/results.csv")).size(), 8u);
}

}  // namespace sweep_tpe_test
}  // namespace attune
