#include "core/process/spawn_self.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace attune {

pid_t spawn_self(const std::vector<std::string>& args, const SpawnOptions& options) {
  // Resolved before fork: the child only sets up and execs.
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const pid_t pid = fork();
  if (pid != 0) return pid;
  if (!options.log.empty()) {
    const int fd = open(options.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
  }
  for (const auto& [name, value] : options.env) setenv(name.c_str(), value.c_str(), 1);
  for (const auto& [name, value] : options.env_defaults) setenv(name.c_str(), value.c_str(), 0);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(self.c_str()));
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  execv(self.c_str(), argv.data());
  _exit(127);
}

}  // namespace attune
