#pragma once

#include <string>
#include <vector>

namespace attune::testing {

/// A throwaway PostgreSQL server for one test (or one test suite): `initdb`
/// into a fresh folder under /tmp, started on a free loopback port with its
/// unix socket inside that folder, with one database `attune_test`. Stopped
/// and deleted on destruction. Tuned for speed, not durability (fsync off).
///
/// PostgreSQL refuses to run as root, so as root (CI) the server runs as the
/// `postgres` system user through `runuser`. Throws std::runtime_error naming
/// the missing package when the server binaries are not installed, so that a
/// test fails instead of silently skipping.
class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  /// `postgresql://postgres@127.0.0.1:PORT/attune_test` (superuser, no password).
  std::string url() const;
  /// The same database as `user` with `password` (may be wrong, for tests).
  std::string url_as(const std::string& user, const std::string& password) const;
  /// Creates a login role that must authenticate with a password over TCP.
  void create_role(const std::string& user, const std::string& password);
  /// Runs one SQL command as the superuser through psql (for test setup).
  void psql(const std::string& sql);

  int port() const { return port_; }
  /// Seconds from construction until the database accepted connections.
  double startup_seconds() const { return startup_seconds_; }

 private:
  void start();
  void stop();

  std::string bin_dir_;
  std::vector<std::string> as_server_;  // the prefix that runs a server binary (runuser as root)
  std::string root_;                    // the temp folder: data/, sock/, logs
  int port_ = 0;
  double startup_seconds_ = 0;
  bool running_ = false;
};

}  // namespace attune::testing
