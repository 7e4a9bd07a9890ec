#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace attune::testing {

/// The repository root (for data/, experiments/).
std::string source_dir();
/// tests/fixtures.
std::string fixtures_dir();
/// The built `attune` executable.
std::string attune_binary();
/// Where the build put the plugins (example and test ones).
std::string plugin_path(const std::string& name);

/// A fresh empty folder under /tmp, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_text(const std::string& path, const std::string& content);
std::string read_text(const std::string& path);

/// The first `rows` data rows of a TSV file (with its header), written to `path`.
void write_head(const std::string& source, const std::string& path, size_t rows);

/// Output of a finished process.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `attune` with `args` (no shell), in `working_dir` if given, with
/// extra environment variables `env` ("NAME=value").
CommandResult run_attune(const std::vector<std::string>& args, const std::string& working_dir = "",
                         const std::vector<std::string>& env = {});

/// Starts `attune` in the background in a process group of its own (so that
/// a test can kill it and its workers), output to `log`. Returns its pid.
int start_attune(const std::vector<std::string>& args, const std::string& log,
                 const std::vector<std::string>& env = {});
/// Waits for a process started by start_attune; returns its exit code (128 +
/// signal when killed).
int wait_attune(int pid);

/// Waits up to `seconds` for a process started by start_attune: its exit code
/// (128 + signal when killed), or nullopt, its process group killed, if it
/// still ran. A bound on a hang, not a speed.
std::optional<int> wait_for_exit(int pid, double seconds);

/// Output of a shell command line: its exit code and stdout and stderr together.
struct ShellResult {
  int exit_code = -1;
  std::string text;
};
/// Runs `command` with /bin/sh.
ShellResult run_shell(const std::string& command);

/// The Python whose torch, scikit-learn, SciPy, pandas and Optuna make the
/// references: Debian's /usr/bin/python3 (python3-torch is the same version as
/// libtorch-dev), or $ATTUNE_TEST_PYTHON where another LibTorch is built
/// against (a CUDA machine's pip torch: its own python3 has that torch).
std::string python();

/// Runs the reference script tests/python/`script` with python() on
/// `cases`, written to a JSON file given as its one argument, and returns
/// what it prints, parsed as JSON. Throws (failing the test) with its output
/// when it exits non-zero.
nlohmann::json python_reference(const std::string& script, const nlohmann::json& cases);

/// Sets `train.epochs` in a run folder's config.yaml, so that `--resume`
/// has epochs left to train.
void set_train_epochs(const std::string& run_dir, int64_t epochs);

/// A CSV's rows after its header, as text cells (a trailing comma is an empty last cell).
std::vector<std::vector<std::string>> read_csv_rows(const std::string& path);
/// A run's metrics.csv by column name.
std::map<std::string, std::vector<double>> read_metrics_columns(const std::string& path);

}  // namespace attune::testing
