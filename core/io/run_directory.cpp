#include "core/io/run_directory.h"

#include <ctime>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io/atomic_file.h"

namespace attune {

std::vector<std::string> RunDirectory::read_labels() const {
  const std::string path = file("labels.json");
  try {
    return nlohmann::json::parse(read_text_file(path)).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    input_error("{}: expected a JSON list of label names: {}", path, e.what());
  }
}

std::string RunDirectory::default_path(const std::string& experiment_name) {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &local);
  std::string base = "runs/" + experiment_name + "-" + stamp;
  std::string path = base;
  for (int n = 2; std::filesystem::exists(path); ++n) path = base + "-" + std::to_string(n);
  return path;
}

void RunDirectory::create(bool resume) const {
  if (!resume && std::filesystem::exists(last_checkpoint())) {
    input_error("{} already holds a run; continue it with `attune train --resume {}` or choose another --run-dir",
                path_, path_);
  }
  std::error_code error;
  std::filesystem::create_directories(path_ + "/checkpoints", error);
  if (error) runtime_error("cannot create the run folder {}: {}", path_, error.message());
}

void RunDirectory::write(const std::string& name, const std::string& content) const {
  write_file_atomically(file(name), content);
}

}  // namespace attune
