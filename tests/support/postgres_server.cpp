#include "tests/support/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace fs = std::filesystem;

namespace attune::testing {
namespace {

constexpr const char* kDatabase = "attune_test";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// The bin folder of the newest PostgreSQL under /usr/lib/postgresql (Debian), else
/// the folder of an `initdb` on PATH; empty when there is none.
std::string find_bin_dir() {
  std::vector<std::pair<int, std::string>> found;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ignored)) {
    const fs::path bin = entry.path() / "bin";
    if (fs::exists(bin / "initdb") && fs::exists(bin / "pg_ctl")) {
      found.emplace_back(std::atoi(entry.path().filename().c_str()), bin.string());
    }
  }
  if (!found.empty()) return std::max_element(found.begin(), found.end())->second;
  if (const char* path = std::getenv("PATH")) {
    std::istringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
      if (!dir.empty() && fs::exists(fs::path(dir) / "initdb") && fs::exists(fs::path(dir) / "pg_ctl")) return dir;
    }
  }
  return "";
}

std::string find_runuser() {
  for (const char* path : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"}) {
    if (access(path, X_OK) == 0) return path;
  }
  throw std::runtime_error("runuser not found (Debian package util-linux): needed to run PostgreSQL as root");
}

/// Runs `argv` (no shell) in `cwd` with stdout and stderr appended to `log`;
/// returns the exit status. Closes inherited descriptors so that a server
/// started through pg_ctl holds none of the test's pipes open.
int run_process(const std::vector<std::string>& argv, const std::string& cwd, const std::string& log) {
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int null = open("/dev/null", O_RDONLY);
    if (out < 0 || null < 0 || chdir(cwd.c_str()) != 0) _exit(126);
    dup2(null, 0);
    dup2(out, 1);
    dup2(out, 2);
    for (int fd = 3; fd < 1024; ++fd) close(fd);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// A loopback port nobody listens on right now (the server may still lose a race for it: start() retries).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

}  // namespace

PostgresServer::PostgresServer() {
  bin_dir_ = find_bin_dir();
  if (bin_dir_.empty()) {
    throw std::runtime_error(
        "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin or on PATH: "
        "install the Debian package `postgresql` (`make test` installs it)");
  }
  std::string pattern = (fs::temp_directory_path() / "attune-pg-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  root_ = pattern;
  try {
    start();
  } catch (...) {
    stop();
    throw;
  }
}

PostgresServer::~PostgresServer() {
  stop();
}

std::string PostgresServer::url() const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + kDatabase;
}

std::string PostgresServer::url_as(const std::string& user, const std::string& password) const {
  return "postgresql://" + user + ":" + password + "@127.0.0.1:" + std::to_string(port_) + "/" + kDatabase;
}

void PostgresServer::start() {
  const auto started = std::chrono::steady_clock::now();
  const bool root = geteuid() == 0;
  if (root) {
    const passwd* user = getpwnam("postgres");
    if (!user)
      throw std::runtime_error("no `postgres` system user to run PostgreSQL as: install the package `postgresql`");
    as_server_ = {find_runuser(), "-u", "postgres", "--"};
    fs::create_directories(root_ + "/sock");
    for (const auto& path : {root_, root_ + "/sock"}) {
      if (chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) throw std::runtime_error("cannot chown " + path);
    }
  } else {
    fs::create_directories(root_ + "/sock");
  }
  const std::string data = root_ + "/data", log = root_ + "/commands.log", server_log = root_ + "/server.log";
  const auto server_command = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = as_server_;
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, root_, log);
  };
  if (server_command({bin_dir_ + "/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                      "--no-sync"}) != 0) {
    throw std::runtime_error("initdb failed:\n" + slurp(log));
  }
  // Password logins for roles other than postgres, so that tests can check a wrong password.
  {
    std::ofstream hba(data + "/pg_hba.conf", std::ios::trunc);
    hba << "local all all trust\n"
        << "host all postgres 127.0.0.1/32 trust\n"
        << "host all all 127.0.0.1/32 scram-sha-256\n";
  }
  for (int attempt = 0;; ++attempt) {
    port_ = free_port();
    {
      // Later settings override earlier ones, so a retry just appends another port.
      std::ofstream conf(data + "/postgresql.conf", std::ios::app);
      conf << "\nlisten_addresses = '127.0.0.1'\nport = " << port_ << "\nunix_socket_directories = '" << root_
           << "/sock'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 16MB\n"
           << "max_connections = 50\nautovacuum = off\n";
    }
    if (server_command({bin_dir_ + "/pg_ctl", "-D", data, "-l", server_log, "-w", "-t", "60", "start"}) == 0) break;
    if (attempt == 4) throw std::runtime_error("pg_ctl start failed:\n" + slurp(log) + "\n" + slurp(server_log));
  }
  running_ = true;
  if (run_process({bin_dir_ + "/createdb", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "postgres", kDatabase},
                  root_, log) != 0) {
    throw std::runtime_error("createdb failed:\n" + slurp(log));
  }
  startup_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

void PostgresServer::psql(const std::string& sql) {
  const std::string log = root_ + "/psql.log";
  const int status = run_process({bin_dir_ + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                                  std::to_string(port_), "-U", "postgres", "-d", kDatabase, "-c", sql},
                                 root_, log);
  if (status != 0) throw std::runtime_error("psql failed for `" + sql + "`:\n" + slurp(log));
}

void PostgresServer::create_role(const std::string& user, const std::string& password) {
  psql("CREATE ROLE \"" + user + "\" LOGIN PASSWORD '" + password + "'; GRANT ALL ON SCHEMA public TO \"" + user +
       "\";");
}

void PostgresServer::stop() {
  if (running_) {
    std::vector<std::string> argv = as_server_;
    for (const auto& arg : {bin_dir_ + "/pg_ctl", std::string("-D"), root_ + "/data", std::string("-m"),
                            std::string("immediate"), std::string("-w"), std::string("stop")}) {
      argv.push_back(arg);
    }
    run_process(argv, root_, root_ + "/commands.log");
    running_ = false;
  }
  std::error_code ignored;
  if (!root_.empty()) fs::remove_all(root_, ignored);
}

}  // namespace attune::testing
