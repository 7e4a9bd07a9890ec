#include "core/sweep/trial_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "core/error.h"
#include "tests/support/postgres_server.h"
#include "tests/support/test_support.h"

namespace attune {
namespace trial_store_test {

using testing::PostgresServer;
using testing::TempDir;

/// One server for every PostgreSQL test in this process, started on first use.
std::unique_ptr<PostgresServer>& shared_server() {
  static std::unique_ptr<PostgresServer> server;
  return server;
}

PostgresServer& postgres() {
  auto& server = shared_server();
  if (!server) {
    server = std::make_unique<PostgresServer>();
    std::cerr << "PostgreSQL test server on port " << server->port() << " started in " << server->startup_seconds()
              << " s\n";
  }
  return *server;
}

// A sweep's settings as SweepSpec writes them: a JSON object of strings.
const std::string kMeaning = R"({"model.hidden_dim": "32", "train.epochs": "3"})";

std::vector<std::string> params(size_t count) {
  std::vector<std::string> result;
  for (size_t i = 0; i < count; ++i) result.push_back(fmt::format("{{\"optimizer.lr\": {}}}", 0.001 * (i + 1)));
  return result;
}

void sleep_seconds(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

/// The behaviour both backends share; the parameter names the backend.
class TrialStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      try {
        url_ = postgres().url();
      } catch (const std::exception& e) {
        FAIL() << e.what();
      }
    } else {
      url_ = dir_.file("sweep.db");
    }
    // Tests share one PostgreSQL database, so each works in its own sweep.
    sweep_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  static void TearDownTestSuite() { shared_server().reset(); }

  std::unique_ptr<TrialStore> open(const std::string& sweep = "") {
    return open_trial_store(url_, sweep.empty() ? sweep_ : sweep);
  }

  TempDir dir_;
  std::string url_, sweep_;
};

TEST_P(TrialStoreTest, CreateSweepIsIdempotent) {
  auto store = open();
  store->open_sweep(kMeaning, params(3));
  store->open_sweep(kMeaning, params(3));
  open()->open_sweep(kMeaning, params(3));
  const auto trials = open()->trials();
  ASSERT_EQ(trials.size(), 3u);
  for (const auto& trial : trials) EXPECT_EQ(trial.status, TrialStatus::pending);
}

/// The InputError message of `body` ("" if none).
template <typename Body>
std::string input_error_of(Body body) {
  try {
    body();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST_P(TrialStoreTest, AChangedSettingIsRefusedNamingIt) {
  open()->open_sweep(kMeaning, params(2));
  const std::string changed =
      input_error_of([&] { open()->open_sweep(R"({"model.hidden_dim": "64", "train.epochs": "3"})", params(5)); });
  EXPECT_NE(changed.find("sweep `" + sweep_ + "` in "), std::string::npos) << changed;
  EXPECT_NE(changed.find(" was made with model.hidden_dim=32; this run has 64: "), std::string::npos) << changed;
  EXPECT_EQ(changed.find("more:"), std::string::npos) << changed;  // one change only
  EXPECT_NE(changed.find("--sweep-dir"), std::string::npos) << changed;
  // Several changes: the first by name with both values, the others listed.
  const std::string several = input_error_of(
      [&] { open()->open_sweep(R"({"model.hidden_dim": "16", "train.epochs": "4", "seed": "1"})", params(2)); });
  EXPECT_NE(several.find("was made with model.hidden_dim=32; this run has 16 (and 2 more: train.epochs, seed)"),
            std::string::npos)
      << several;
  // A setting on one side only.
  const std::string dropped = input_error_of([&] { open()->open_sweep(R"({"model.hidden_dim": "32"})", params(2)); });
  EXPECT_NE(dropped.find("was made with train.epochs=3; this run has no train.epochs"), std::string::npos) << dropped;
  const std::string added = input_error_of(
      [&] { open()->open_sweep(R"({"model.hidden_dim": "32", "train.epochs": "3", "seed": "7"})", params(2)); });
  EXPECT_NE(added.find("was made without seed; this run has seed=7"), std::string::npos) << added;
  // Nothing was added by the refused runs.
  EXPECT_EQ(open()->trials().size(), 2u);
  // The same settings written in another order are the same sweep.
  EXPECT_EQ(open()->open_sweep(R"({"train.epochs": "3", "model.hidden_dim": "32"})", params(2)), 0);
}

TEST_P(TrialStoreTest, AGrownSweepKeepsItsTrialsAndAddsTheNewOnes) {
  auto store = open();
  const std::vector<std::string> first = {R"({"optimizer.lr": 0.001, "model.num_heads": 2})",
                                          R"({"optimizer.lr": 0.002, "model.num_heads": 2})",
                                          R"({"optimizer.lr": 0.003, "model.num_heads": 2})"};
  EXPECT_EQ(store->open_sweep(kMeaning, first), 3);
  ASSERT_EQ(store->claim_trial("w", 600), 0);
  store->record_fold({0, 0, 0.75, 2, 3, false});
  store->report_intermediate({0, 0, 1, 0.5});
  store->finish_trial(0, "w", TrialStatus::complete);
  ASSERT_EQ(store->claim_trial("w", 600), 1);  // still running when the sweep grows
  const auto before = store->trials();

  // The grown grid: the old trials in another order, their keys in another
  // order and their numbers in another spelling, two new ones among them.
  const std::vector<std::string> grown = {
      R"({"model.num_heads": 4, "optimizer.lr": 0.001})", R"({"model.num_heads": 2.0, "optimizer.lr": 3e-3})",
      R"({"model.num_heads": 2, "optimizer.lr": 0.001})", R"({"model.num_heads": 4, "optimizer.lr": 0.003})",
      R"({"model.num_heads": 2, "optimizer.lr": 0.002})"};
  EXPECT_EQ(open()->open_sweep(kMeaning, grown), 2);
  const auto after = store->trials();
  ASSERT_EQ(after.size(), 5u);
  for (size_t i = 0; i < before.size(); ++i) {  // untouched, field by field
    EXPECT_EQ(after[i].trial, before[i].trial);
    EXPECT_EQ(after[i].params_json, first[i]);
    EXPECT_EQ(after[i].status, before[i].status);
    EXPECT_EQ(after[i].worker, before[i].worker);
    EXPECT_EQ(after[i].heartbeat, before[i].heartbeat);
  }
  EXPECT_EQ(after[3].params_json, grown[0]);  // the new ones, numbered on in the order asked
  EXPECT_EQ(after[4].params_json, grown[3]);
  EXPECT_EQ(after[3].status, TrialStatus::pending);
  EXPECT_EQ(after[4].status, TrialStatus::pending);
  ASSERT_EQ(store->folds(0).size(), 1u);
  EXPECT_EQ(store->folds(0)[0].value, 0.75);
  EXPECT_EQ(store->fold_history(0, 0).size(), 1u);
  // The pending ones are claimed next, after what was pending before.
  EXPECT_EQ(store->claim_trial("w", 600), 2);
  EXPECT_EQ(store->claim_trial("w", 600), 3);
  // The same run again adds nothing; a smaller one keeps every trial.
  EXPECT_EQ(open()->open_sweep(kMeaning, grown), 0);
  EXPECT_EQ(open()->open_sweep(kMeaning, {first[0]}), 0);
  EXPECT_EQ(store->trials().size(), 5u);
}

TEST_P(TrialStoreTest, RepeatedValuesAreSeparateTrials) {
  // Random search over lists can draw the same values twice: each draw is
  // its own trial, matched to the stored repeats in turn.
  const std::string a = R"({"model.num_heads": 2})", b = R"({"model.num_heads": 4})";
  EXPECT_EQ(open()->open_sweep(kMeaning, {a, b, a}), 3);
  EXPECT_EQ(open()->open_sweep(kMeaning, {a, b, a, a, b}), 2);
  std::vector<std::string> stored;
  for (const auto& trial : open()->trials()) stored.push_back(trial.params_json);
  EXPECT_EQ(stored, (std::vector<std::string>{a, b, a, a, b}));
}

TEST_P(TrialStoreTest, FoldHistoryIsOneFoldsValuesByEpoch) {
  auto store = open();
  store->open_sweep(kMeaning, params(2));
  for (const int64_t epoch : {3, 1, 2}) store->report_intermediate({1, 0, epoch, 0.1 * static_cast<double>(epoch)});
  store->report_intermediate({1, 1, 1, 9.0});   // another fold
  store->report_intermediate({0, 0, 1, 8.0});   // another trial
  store->report_intermediate({1, 0, 2, 0.25});  // replaces
  const auto history = store->fold_history(1, 0);
  ASSERT_EQ(history.size(), 3u);
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(history[i].trial, 1);
    EXPECT_EQ(history[i].fold, 0);
    EXPECT_EQ(history[i].epoch, i + 1);
  }
  EXPECT_EQ(history[1].value, 0.25);
  EXPECT_TRUE(store->fold_history(1, 2).empty());
}

TEST_P(TrialStoreTest, ClaimsReturnEachTrialOnceInOrder) {
  auto store = open();
  store->open_sweep(kMeaning, params(5));
  auto other = open();  // a second connection, as another worker has
  for (int64_t i = 0; i < 5; ++i) {
    auto& claimer = i % 2 ? *other : *store;
    EXPECT_EQ(claimer.claim_trial("w" + std::to_string(i), 60), i);
  }
  EXPECT_EQ(store->claim_trial("late", 60), std::nullopt);
  const auto trials = store->trials();
  for (int64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(trials[i].status, TrialStatus::running);
    EXPECT_EQ(trials[i].worker, "w" + std::to_string(i));
    EXPECT_GT(trials[i].heartbeat, 1e9);
  }
}

TEST_P(TrialStoreTest, ReleaseAndReclaim) {
  auto store = open();
  store->open_sweep(kMeaning, params(2));
  ASSERT_EQ(store->claim_trial("a", 60), 0);
  EXPECT_FALSE(store->release_trial(0, "b"));  // b does not hold it
  EXPECT_TRUE(store->release_trial(0, "a"));
  EXPECT_FALSE(store->release_trial(0, "a"));  // no longer running
  EXPECT_EQ(store->trials()[0].status, TrialStatus::pending);
  EXPECT_EQ(store->claim_trial("b", 60), 0);
  EXPECT_EQ(store->trials()[0].worker, "b");
  EXPECT_EQ(store->claim_trial("b", 60), 1);
}

TEST_P(TrialStoreTest, StaleHeartbeatIsReclaimed) {
  // Every outcome here holds however slow the machine: a claim with a 600 s
  // limit finds nothing stale, and after a 0.8 s silence a 0.5 s limit finds
  // a trial stale (slowness only ages heartbeats further).
  auto store = open();
  store->open_sweep(kMeaning, params(2));
  ASSERT_EQ(store->claim_trial("a", 600), 0);
  ASSERT_EQ(store->claim_trial("b", 600), 1);
  EXPECT_EQ(store->claim_trial("c", 600), std::nullopt);  // both fresh
  const double a_beat = store->trials()[0].heartbeat;
  const double b_beat = store->trials()[1].heartbeat;
  sleep_seconds(0.8);
  store->heartbeat(1, "b");                               // b lives on, a went silent
  store->heartbeat(0, "x");                               // not x's trial: changes nothing
  EXPECT_GT(store->trials()[1].heartbeat, b_beat + 0.7);  // moved on by about the sleep
  EXPECT_EQ(store->trials()[0].heartbeat, a_beat);
  EXPECT_EQ(store->claim_trial("c", 0.5), 0);  // a's, silent for over 0.5 s
  EXPECT_EQ(store->claim_trial("d", 600), std::nullopt);
  EXPECT_EQ(store->claim_trial("d", std::numeric_limits<double>::infinity()), std::nullopt);
  // The old holder's late calls change nothing: c holds the trial now.
  EXPECT_FALSE(store->release_trial(0, "a"));
  store->finish_trial(0, "a", TrialStatus::failed, "late");
  const auto trial = store->trials()[0];
  EXPECT_EQ(trial.status, TrialStatus::running);
  EXPECT_EQ(trial.worker, "c");
}

TEST_P(TrialStoreTest, FoldAndIntermediateRoundTrip) {
  auto store = open();
  store->open_sweep(kMeaning, params(3));
  store->record_fold({1, 1, 0.1234567890123456, 6, 7, true});
  store->record_fold({1, 0, 3.5, 2, 4, false});
  store->record_fold({1, 0, -2.25, 3, 5, false});  // replaces
  store->record_fold({2, 0, std::nan(""), 1, 1, false, 61.25, 0.5});
  const auto folds = store->folds(1);
  ASSERT_EQ(folds.size(), 2u);
  EXPECT_EQ(folds[0].fold, 0);
  EXPECT_EQ(folds[0].value, -2.25);
  EXPECT_EQ(folds[0].best_epoch, 3);
  EXPECT_EQ(folds[0].epochs, 5);
  EXPECT_FALSE(folds[0].pruned);
  EXPECT_EQ(folds[1].trial, 1);
  EXPECT_EQ(folds[1].value, 0.1234567890123456);
  EXPECT_EQ(folds[1].best_epoch, 6);
  EXPECT_EQ(folds[1].epochs, 7);
  EXPECT_TRUE(folds[1].pruned);
  ASSERT_EQ(store->folds(2).size(), 1u);
  EXPECT_TRUE(std::isnan(store->folds(2)[0].value));
  EXPECT_EQ(store->folds(2)[0].fit_seconds, 61.25);
  EXPECT_EQ(store->folds(2)[0].score_seconds, 0.5);
  EXPECT_TRUE(store->folds(0).empty());

  for (const int64_t trial : {2, 0, 1}) store->report_intermediate({trial, 0, 3, 0.5 + trial});
  store->report_intermediate({1, 0, 3, 9.75});  // replaces
  store->report_intermediate({1, 0, 4, 1.0});
  store->report_intermediate({1, 1, 3, 2.0});
  const auto values = store->intermediate_values(0, 3);
  ASSERT_EQ(values.size(), 3u);
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(values[i].trial, i);
    EXPECT_EQ(values[i].fold, 0);
    EXPECT_EQ(values[i].epoch, 3);
  }
  EXPECT_EQ(values[1].value, 9.75);
  EXPECT_EQ(values[2].value, 2.5);
  EXPECT_TRUE(store->intermediate_values(2, 3).empty());
  for (const auto& value : values) EXPECT_TRUE(value.objectives.empty());  // a single objective's rows

  // Several objectives: each row's values, NaN kept as NaN.
  store->report_intermediate({0, 1, 5, 0.75, {0.75, 1234.0, std::nan("")}});
  store->record_fold({0, 1, 0.75, 5, 6, false, 2.0, 0.5, {0.75, 1234.0, 0.125}});
  const auto reported = store->intermediate_values(1, 5);
  ASSERT_EQ(reported.size(), 1u);
  ASSERT_EQ(reported[0].objectives.size(), 3u);
  EXPECT_EQ(reported[0].objectives[1], 1234.0);
  EXPECT_TRUE(std::isnan(reported[0].objectives[2]));
  EXPECT_EQ(store->fold_history(0, 1).at(0).objectives[0], 0.75);
  EXPECT_EQ(store->folds(0).at(0).objectives, (std::vector<double>{0.75, 1234.0, 0.125}));
  // Another sweep in the same store sees none of it.
  EXPECT_TRUE(open(sweep_ + "-other")->folds(1).empty());
  EXPECT_TRUE(open(sweep_ + "-other")->intermediate_values(0, 3).empty());
}

TEST_P(TrialStoreTest, FinishStatuses) {
  auto store = open();
  store->open_sweep(kMeaning, params(3));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(store->claim_trial("w", 60), i);
  store->finish_trial(0, "w", TrialStatus::complete);
  store->finish_trial(1, "w", TrialStatus::pruned);
  store->finish_trial(2, "w", TrialStatus::failed, "loss became NaN");
  EXPECT_THROW(store->finish_trial(2, "w", TrialStatus::pending), Error);
  const auto trials = store->trials();
  EXPECT_EQ(trials[0].status, TrialStatus::complete);
  EXPECT_EQ(trials[1].status, TrialStatus::pruned);
  EXPECT_EQ(trials[2].status, TrialStatus::failed);
  EXPECT_EQ(trials[2].message, "loss became NaN");
  // Finished trials are never claimed again, however old their heartbeat.
  sleep_seconds(0.05);
  EXPECT_EQ(store->claim_trial("w", 0.01), std::nullopt);
  EXPECT_FALSE(store->release_trial(0, "w"));
}

TEST_P(TrialStoreTest, TrialsAreInOrderWithTheirParams) {
  auto store = open();
  std::vector<std::string> json = params(12);
  json[3] = R"({"name": "quote \" and backslash \\ and comma, {braces}", "unicode": "größe"})";
  store->open_sweep(kMeaning, json);
  open(sweep_ + "-other")->open_sweep(kMeaning, params(1));
  const auto trials = store->trials();
  ASSERT_EQ(trials.size(), 12u);
  for (size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].trial, static_cast<int64_t>(i));
    EXPECT_EQ(trials[i].params_json, json[i]);
    EXPECT_EQ(trials[i].status, TrialStatus::pending);
    EXPECT_EQ(trials[i].worker, "");
    EXPECT_EQ(trials[i].message, "");
  }
  EXPECT_EQ(open(sweep_ + "-other")->trials().size(), 1u);
  EXPECT_TRUE(open(sweep_ + "-never-created")->trials().empty());
  EXPECT_EQ(open(sweep_ + "-never-created")->claim_trial("w", 60), std::nullopt);
}

/// Runs `body` in a forked child; the child reports through `pipe_fd` and never returns.
template <typename Body>
pid_t spawn(int pipe_fd, Body body) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  std::string report;
  int code = 0;
  try {
    report = body();
  } catch (const std::exception& e) {
    report = std::string("error: ") + e.what() + "\n";
    code = 1;
  }
  for (size_t done = 0; done < report.size();) {
    const ssize_t n = write(pipe_fd, report.data() + done, report.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  _exit(code);  // no destructors: the parent's store objects and server are not ours to close
}

std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) text.append(buffer, static_cast<size_t>(n));
  return text;
}

TEST_P(TrialStoreTest, ConcurrentWorkersClaimEachTrialExactlyOnce) {
  constexpr int kWorkers = 4, kTrials = 200;
  int start[2];  // the workers wait until the parent closes it, so that they really start together
  ASSERT_EQ(pipe(start), 0);
  std::vector<std::pair<pid_t, int>> children;
  for (int w = 0; w < kWorkers; ++w) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const std::string worker = "worker" + std::to_string(w);
    // Every worker opens the store and creates the sweep at once, as `attune sweep` workers started together do.
    const pid_t pid = spawn(fds[1], [&] {
      close(start[1]);
      char ignored;
      if (read(start[0], &ignored, 1) != 0) return std::string("error: barrier\n");
      auto store = open();
      store->open_sweep(kMeaning, params(kTrials));
      std::string claimed;
      while (const auto trial = store->claim_trial(worker, 600)) {
        claimed += std::to_string(*trial) + "\n";
        sleep_seconds(0.002);  // "training", outside any transaction
        store->finish_trial(*trial, worker, TrialStatus::complete);
      }
      return claimed;
    });
    close(fds[1]);
    children.emplace_back(pid, fds[0]);
  }
  close(start[0]);
  close(start[1]);
  std::map<int64_t, int> claims;
  std::vector<size_t> per_worker;
  for (const auto& [pid, fd] : children) {
    const std::string text = read_all(fd);
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
    std::istringstream lines(text);
    int64_t last = -1;
    size_t count = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || !std::isdigit(static_cast<unsigned char>(line[0])))
        continue;  // the child's error, shown above
      const int64_t trial = std::stoll(line);
      EXPECT_GT(trial, last) << "a worker's claims go up";
      last = trial;
      ++claims[trial];
      ++count;
    }
    per_worker.push_back(count);
  }
  EXPECT_EQ(claims.size(), static_cast<size_t>(kTrials));
  for (const auto& [trial, count] : claims) EXPECT_EQ(count, 1) << "trial " << trial;
  const auto trials = open()->trials();
  ASSERT_EQ(trials.size(), static_cast<size_t>(kTrials));
  for (const auto& trial : trials) EXPECT_EQ(trial.status, TrialStatus::complete);
  std::cerr << "claims per worker:";
  for (const size_t count : per_worker) std::cerr << ' ' << count;
  std::cerr << '\n';
}

TEST_P(TrialStoreTest, MachinesGrowingTheSweepAtOnceAddEachTrialOnce) {
  open()->open_sweep(kMeaning, params(10));
  constexpr int kMachines = 4;
  int start[2];
  ASSERT_EQ(pipe(start), 0);
  std::vector<std::pair<pid_t, int>> children;
  for (int m = 0; m < kMachines; ++m) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    // Machine m asks for 12 + m trials: the first ten and some of the same new ones.
    const pid_t pid = spawn(fds[1], [&] {
      close(start[1]);
      char ignored;
      if (read(start[0], &ignored, 1) != 0) return std::string("error: barrier\n");
      return std::to_string(open()->open_sweep(kMeaning, params(12 + m))) + "\n";
    });
    close(fds[1]);
    children.emplace_back(pid, fds[0]);
  }
  close(start[0]);
  close(start[1]);
  int64_t added = 0;
  for (const auto& [pid, fd] : children) {
    const std::string text = read_all(fd);
    close(fd);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
    added += std::stoll(text);
  }
  EXPECT_EQ(added, 5);
  const auto trials = open()->trials();
  ASSERT_EQ(trials.size(), 15u);
  const auto expected = params(15);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(trials[i].params_json, expected[i]);
  std::multiset<std::string> grown, wanted(expected.begin() + 10, expected.end());
  for (size_t i = 10; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].trial, static_cast<int64_t>(i));
    grown.insert(trials[i].params_json);
  }
  EXPECT_EQ(grown, wanted);
}

TEST_P(TrialStoreTest, KilledWorkerLeavesAConsistentStore) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = spawn(fds[1], [&] {
    auto store = open();
    store->open_sweep(kMeaning, params(20000));
    if (write(fds[1], "+", 1) != 1) return std::string();
    for (bool told = false;; told = true) {
      const auto trial = store->claim_trial("victim", 600);
      if (!trial) break;
      store->report_intermediate({*trial, 0, 0, 1.0});
      store->record_fold({*trial, 0, 1.0, 1, 1, false});
      store->finish_trial(*trial, "victim", TrialStatus::complete);
      if (!told && write(fds[1], "+", 1) != 1) return std::string();
    }
    return std::string();
  });
  close(fds[1]);
  char ready = 0;
  ASSERT_EQ(read(fds[0], &ready, 1), 1);  // the sweep exists
  ASSERT_EQ(read(fds[0], &ready, 1), 1);  // a trial is complete and the next under way
  close(fds[0]);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  auto store = open();
  const auto trials = store->trials();
  ASSERT_EQ(trials.size(), 20000u);
  size_t complete = 0;
  for (const auto& trial : trials) {
    if (trial.status != TrialStatus::complete) continue;
    ++complete;
    ASSERT_EQ(store->folds(trial.trial).size(), 1u) << "trial " << trial.trial;  // written before it completed
  }
  EXPECT_GT(complete, 0u);
  store->open_sweep(kMeaning, {});  // still the same sweep
}

INSTANTIATE_TEST_SUITE_P(Backends, TrialStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace trial_store_test
}  // namespace attune
