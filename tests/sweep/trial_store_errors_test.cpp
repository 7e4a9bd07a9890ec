// How the trial store reports what users get wrong: bad URLs, files that are
// no SQLite database, unreachable servers, wrong passwords, foreign tables;
// and a store an earlier attune made, which gets the columns added since.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sqlite3.h>

#include <filesystem>
#include <memory>

#include "core/error.h"
#include "core/sweep/postgres_trial_store.h"
#include "core/sweep/trial_store.h"
#include "tests/support/postgres_server.h"
#include "tests/support/test_support.h"

namespace attune {
namespace trial_store_errors_test {

using testing::TempDir;

/// The InputError message that opening `url` gives ("" if it opened).
std::string open_error(const std::string& url) {
  try {
    open_trial_store(url, "sweep");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST(TrialStoreStatus, RoundTripsThroughText) {
  for (const auto status :
       {TrialStatus::pending, TrialStatus::running, TrialStatus::complete, TrialStatus::pruned, TrialStatus::failed}) {
    EXPECT_EQ(trial_status_from_string(to_string(status)), status);
  }
  EXPECT_EQ(to_string(TrialStatus::complete), "complete");
  EXPECT_THROW(trial_status_from_string("done"), InputError);
}

TEST(TrialStoreUrl, SqliteFormsOpenTheSameFile) {
  TempDir dir;
  auto store = open_trial_store("sqlite://" + dir.file("a.db"), "s");
  store->open_sweep("{}", {"{\"a\": 1}", "{\"a\": 2}"});
  EXPECT_EQ(open_trial_store(dir.file("a.db"), "s")->trials().size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(dir.file("a.db-wal"))) << "WAL journal mode";  // while a connection is open
  // sqlite://relative/path.db is relative to the working directory.
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  const auto trials = open_trial_store("sqlite://a.db", "s")->trials().size();
  std::filesystem::current_path(previous);
  EXPECT_EQ(trials, 2u);
}

TEST(TrialStoreUrl, BadUrlsAreInputErrors) {
  EXPECT_CONTAINS(open_error(""), "empty trial store URL");
  EXPECT_CONTAINS(open_error("mysql://db/sweeps"), "mysql://db/sweeps: unsupported trial store 'mysql://'");
  EXPECT_CONTAINS(open_error("sqlite:sweep.db"), "sqlite:sweep.db: bad SQLite store URL");
  EXPECT_CONTAINS(open_error("sqlite://"), "bad SQLite store URL");
  EXPECT_CONTAINS(open_error("postgresql://postgres@127.0.0.1:notaport/db"), "cannot connect to PostgreSQL");
  EXPECT_THROW(open_trial_store("sweep.db", ""), InputError);
}

TEST(TrialStoreSqlite, FileThatIsNoDatabase) {
  TempDir dir;
  testing::write_text(dir.file("sweep.db"), std::string(4096, 'x'));
  EXPECT_CONTAINS(open_error(dir.file("sweep.db")),
                  dir.file("sweep.db") + ": not an SQLite database (file is not a database)");
}

TEST(TrialStoreSqlite, MissingFolder) {
  TempDir dir;
  EXPECT_CONTAINS(open_error(dir.file("missing/sweep.db")), dir.file("missing/sweep.db") + ": cannot open");
  EXPECT_CONTAINS(open_error(dir.path()), "cannot open");  // a folder, not a file
}

/// The folds a store made by an earlier attune (before fit and score times) holds, read back.
void expect_old_fold_and_new_times(TrialStore& store) {
  auto folds = store.folds(0);
  ASSERT_EQ(folds.size(), 1u);
  EXPECT_EQ(folds[0].value, 0.5);
  EXPECT_EQ(folds[0].fit_seconds, 0.0);  // unknown then
  store.record_fold({0, 1, 0.25, 1, 3, false, 12.5, 0.75});
  folds = store.folds(0);
  ASSERT_EQ(folds.size(), 2u);
  EXPECT_EQ(folds[1].fit_seconds, 12.5);
  EXPECT_EQ(folds[1].score_seconds, 0.75);
  // Objective values came later still: none on the old rows, kept on new ones.
  EXPECT_TRUE(folds[0].objectives.empty());
  store.record_fold({0, 2, 0.5, 1, 3, false, 1.0, 0.5, {0.5, 120.0}});
  EXPECT_EQ(store.folds(0)[2].objectives, (std::vector<double>{0.5, 120.0}));
  auto reports = store.fold_history(0, 0);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].objectives.empty());
  store.report_intermediate({0, 0, 2, 0.75, {0.75, 120.0}});
  reports = store.fold_history(0, 0);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1].objectives, (std::vector<double>{0.75, 120.0}));
}

TEST(TrialStoreSqlite, AStoreFromAnEarlierVersionGetsTheNewColumns) {
  TempDir dir;
  const std::string path = dir.file("old.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE folds (sweep TEXT NOT NULL, trial INTEGER NOT NULL, fold INTEGER NOT NULL, "
                         "value REAL, best_epoch INTEGER NOT NULL, epochs INTEGER NOT NULL, pruned INTEGER NOT NULL, "
                         "PRIMARY KEY (sweep, trial, fold)); INSERT INTO folds VALUES ('sweep', 0, 0, 0.5, 2, 3, 0); "
                         "CREATE TABLE intermediate (sweep TEXT NOT NULL, trial INTEGER NOT NULL, fold INTEGER NOT "
                         "NULL, epoch INTEGER NOT NULL, value REAL, PRIMARY KEY (sweep, trial, fold, epoch)); "
                         "INSERT INTO intermediate VALUES ('sweep', 0, 0, 1, 0.5)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = open_trial_store(path, "sweep");
  expect_old_fold_and_new_times(*store);
}

TEST(TrialStorePostgresDown, PasswordsAreMaskedInMessages) {
  EXPECT_EQ(mask_password("postgresql://bob:s3cret@db.lan:5432/sweeps"), "postgresql://bob:***@db.lan:5432/sweeps");
  EXPECT_EQ(mask_password("postgres://bob@db.lan/sweeps?password=s3cret&sslmode=require"),
            "postgres://bob@db.lan/sweeps?password=***&sslmode=require");
  EXPECT_EQ(mask_password("postgresql://db.lan/sweeps"), "postgresql://db.lan/sweeps");
  EXPECT_EQ(mask_password("postgresql://[::1]:5432/sweeps"), "postgresql://[::1]:5432/sweeps");
}

TEST(TrialStorePostgresDown, RefusedConnection) {
  // A bound socket that does not listen: connecting to its port is refused, and nobody else can take it meanwhile.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string url = fmt::format("postgresql://postgres@127.0.0.1:{}/attune_test", ntohs(address.sin_port));
  const std::string message = open_error(url);
  close(fd);
  EXPECT_CONTAINS(message, url + ": cannot connect to PostgreSQL");
  EXPECT_CONTAINS(message, "refused");
}

/// One real server for the PostgreSQL error tests.
class TrialStorePostgres : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      server_ = std::make_unique<testing::PostgresServer>();
      server_->create_role("alice", "secret");
      // alice's own schema comes first on her search path: a foreign `trials` table there.
      server_->psql(
          "CREATE SCHEMA alice AUTHORIZATION alice; CREATE TABLE alice.trials (id int); "
          "ALTER TABLE alice.trials OWNER TO alice");
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override { ASSERT_TRUE(server_) << start_error_; }

  static std::unique_ptr<testing::PostgresServer> server_;
  static std::string start_error_;
};
std::unique_ptr<testing::PostgresServer> TrialStorePostgres::server_;
std::string TrialStorePostgres::start_error_;

TEST_F(TrialStorePostgres, WrongPasswordIsMasked) {
  const std::string message = open_error(server_->url_as("alice", "wrong-secret"));
  EXPECT_CONTAINS(message, "cannot connect to PostgreSQL");
  EXPECT_CONTAINS(message, "password authentication failed");
  EXPECT_CONTAINS(message, "postgresql://alice:***@127.0.0.1");
  EXPECT_EQ(message.find("wrong-secret"), std::string::npos) << message;
}

TEST_F(TrialStorePostgres, ForeignTablesAreASchemaMismatch) {
  const std::string message = open_error(server_->url_as("alice", "secret"));
  EXPECT_CONTAINS(message, "postgresql://alice:***@127.0.0.1");
  EXPECT_CONTAINS(message, "table 'trials' has no column 'sweep'");
}

TEST_F(TrialStorePostgres, ReconnectsWhenTheServerDropsTheConnection) {
  auto store = open_trial_store(server_->url(), "reconnect");
  store->open_sweep("{}", {"{\"a\": 1}", "{\"a\": 2}"});
  // What a server restart or a firewall closing an idle connection does to a worker between epochs.
  server_->psql(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'attune_test' "
      "AND pid <> pg_backend_pid()");
  EXPECT_EQ(store->claim_trial("w", 60), 0);
  EXPECT_EQ(store->trials().size(), 2u);
}

TEST_F(TrialStorePostgres, AStoreFromAnEarlierVersionGetsTheNewColumns) {
  server_->create_role("olga", "secret");
  server_->psql(
      "CREATE SCHEMA olga AUTHORIZATION olga; CREATE TABLE olga.folds (sweep text NOT NULL, trial bigint NOT NULL, "
      "fold bigint NOT NULL, value double precision, best_epoch bigint NOT NULL, epochs bigint NOT NULL, pruned "
      "boolean NOT NULL, PRIMARY KEY (sweep, trial, fold)); ALTER TABLE olga.folds OWNER TO olga; "
      "INSERT INTO olga.folds VALUES ('sweep', 0, 0, 0.5, 2, 3, false); CREATE TABLE olga.intermediate (sweep text "
      "NOT NULL, trial bigint NOT NULL, fold bigint NOT NULL, epoch bigint NOT NULL, value double precision, PRIMARY "
      "KEY (sweep, trial, fold, epoch)); ALTER TABLE olga.intermediate OWNER TO olga; "
      "INSERT INTO olga.intermediate VALUES ('sweep', 0, 0, 1, 0.5)");
  auto store = open_trial_store(server_->url_as("olga", "secret"), "sweep");
  expect_old_fold_and_new_times(*store);
}

TEST_F(TrialStorePostgres, NoSuchDatabase) {
  const std::string url = server_->url() + "_missing";
  EXPECT_CONTAINS(open_error(url), "cannot connect to PostgreSQL");
  EXPECT_CONTAINS(open_error(url), "attune_test_missing");
}

}  // namespace trial_store_errors_test
}  // namespace attune
