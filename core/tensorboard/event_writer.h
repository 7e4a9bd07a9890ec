#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace attune::tensorboard {

/// Writes a TensorBoard event file (TFRecord framing, protobuf Events) into a
/// folder: `tensorboard --logdir runs/` shows every run's curves. Each
/// session of a run (a resume, say) starts a file of its own, as TensorFlow's
/// writers do; TensorBoard merges them.
class EventWriter {
 public:
  /// Creates `folder`/events.out.tfevents.<seconds>.<host>.<pid>.
  explicit EventWriter(const std::string& folder);
  ~EventWriter();
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  void scalar(const std::string& tag, double value, int64_t step);
  /// Markdown text (TensorBoard's text plugin).
  void text(const std::string& tag, const std::string& markdown, int64_t step);
  /// A histogram of `values` in `buckets` equal-width buckets.
  void histogram(const std::string& tag, const std::vector<float>& values, int64_t step, int buckets = 30);
  /// Hands what was written to the operating system (once per epoch).
  void flush();

  const std::string& path() const { return path_; }

 private:
  void write_record(const std::string& payload);

  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace attune::tensorboard
