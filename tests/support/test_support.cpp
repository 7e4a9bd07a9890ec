#include "tests/support/test_support.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace attune::testing {

std::string source_dir() {
  return ATTUNE_SOURCE_DIR;
}
std::string fixtures_dir() {
  return ATTUNE_TEST_FIXTURES;
}
std::string attune_binary() {
  return ATTUNE_BINARY;
}
std::string plugin_path(const std::string& name) {
  for (const auto& dir : {std::string(ATTUNE_PLUGIN_DIR), std::string(ATTUNE_PLUGIN_DIR) + "/../../tests"}) {
    const std::string path = dir + "/lib" + name + ".so";
    if (std::filesystem::exists(path)) return std::filesystem::canonical(path).string();
  }
  throw std::runtime_error("plugin not built: " + name);
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "attune-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void write_text(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_head(const std::string& source, const std::string& path, size_t rows) {
  std::ifstream in(source);
  std::string line, content;
  for (size_t i = 0; i <= rows && std::getline(in, line); ++i) content += line + "\n";
  write_text(path, content);
}

namespace {

// In a forked child: exec attune with `args`, stdout/stderr to the given files.
[[noreturn]] void exec_attune(const std::vector<std::string>& args, const std::string& out_path,
                              const std::string& err_path, const std::vector<std::string>& env) {
  const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err = err_path == out_path ? out : open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(out, 1);
  dup2(err, 2);
  for (const auto& variable : env) putenv(strdup(variable.c_str()));
  std::vector<char*> argv;
  std::string binary = attune_binary();
  argv.push_back(binary.data());
  std::vector<std::string> copies = args;
  for (auto& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);
  execv(binary.c_str(), argv.data());
  _exit(127);
}

}  // namespace

int start_attune(const std::vector<std::string>& args, const std::string& log, const std::vector<std::string>& env) {
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    exec_attune(args, log, log, env);
  }
  setpgid(pid, pid);
  return pid;
}

int wait_attune(int pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::optional<int> wait_for_exit(int pid, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  kill(-pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return std::nullopt;
}

std::string python() {
  const char* chosen = std::getenv("ATTUNE_TEST_PYTHON");
  return chosen != nullptr && *chosen != '\0' ? chosen : "/usr/bin/python3";
}

nlohmann::json python_reference(const std::string& script, const nlohmann::json& cases) {
  const TempDir dir;
  write_text(dir.file("cases.json"), cases.dump());
  const auto reference =
      run_shell(python() + " " + source_dir() + "/tests/python/" + script + " " + dir.file("cases.json"));
  if (reference.exit_code != 0) throw std::runtime_error(script + " failed: " + reference.text);
  return nlohmann::json::parse(reference.text);
}

void set_train_epochs(const std::string& run_dir, int64_t epochs) {
  const std::string path = run_dir + "/config.yaml";
  YAML::Node config = YAML::LoadFile(path);
  config["train"]["epochs"] = epochs;
  YAML::Emitter out;
  out << config;
  write_text(path, std::string(out.c_str()) + "\n");
}

CommandResult run_attune(const std::vector<std::string>& args, const std::string& working_dir,
                         const std::vector<std::string>& env) {
  TempDir capture;
  const std::string out_path = capture.file("out"), err_path = capture.file("err");
  const pid_t pid = fork();
  if (pid == 0) {
    if (!working_dir.empty() && chdir(working_dir.c_str()) != 0) _exit(127);
    exec_attune(args, out_path, err_path, env);
  }
  CommandResult result;
  result.exit_code = wait_attune(pid);
  result.out = read_text(out_path);
  result.err = read_text(err_path);
  return result;
}

ShellResult run_shell(const std::string& command) {
  ShellResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t read = 0;
  while ((read = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.text.append(buffer.data(), read);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::vector<std::vector<std::string>> read_csv_rows(const std::string& path) {
  std::istringstream lines(read_text(path));
  std::vector<std::vector<std::string>> rows;
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    rows.push_back(cells);
  }
  return rows;
}

std::map<std::string, std::vector<double>> read_metrics_columns(const std::string& path) {
  std::map<std::string, std::vector<double>> columns;
  std::istringstream lines(read_text(path));
  std::string header, line;
  std::getline(lines, header);
  std::vector<std::string> names;
  std::istringstream cells(header);
  for (std::string cell; std::getline(cells, cell, ',');) names.push_back(cell);
  while (std::getline(lines, line)) {
    std::istringstream values(line);
    size_t c = 0;
    for (std::string cell; std::getline(values, cell, ','); ++c) columns[names.at(c)].push_back(std::stod(cell));
  }
  return columns;
}

}  // namespace attune::testing
