#pragma once

#include <string>
#include <vector>

namespace attune {

/// The folder a run writes: config.yaml, labels.json, init_report.csv,
/// metrics.csv, summary.json and checkpoints/{last,best}.pt.
class RunDirectory {
 public:
  explicit RunDirectory(std::string path) : path_(std::move(path)) {}

  /// A new folder `runs/<name>-<date>-<time>` under the working directory.
  static std::string default_path(const std::string& experiment_name);

  /// Creates the folder. Unless `resume`, it must not hold a run already.
  void create(bool resume) const;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string last_checkpoint() const { return file("checkpoints/last.pt"); }
  std::string best_checkpoint() const { return file("checkpoints/best.pt"); }
  /// One of train.save_top_k's checkpoints, by the evaluation's epoch and step.
  std::string top_checkpoint(int64_t epoch, int64_t step) const {
    return file("checkpoints/top/epoch=" + std::to_string(epoch) + "-step=" + std::to_string(step) + ".pt");
  }
  /// labels.json: the class names by id.
  std::vector<std::string> read_labels() const;
  /// Writes a file of the run atomically.
  void write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

}  // namespace attune
