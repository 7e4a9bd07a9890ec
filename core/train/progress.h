#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/experiment/experiment_config.h"

namespace attune {

/// Seconds left in a run, from the pace so far: the current epoch's remaining
/// steps at its measured time per step, then each later epoch at the mean time
/// of the finished ones (which includes their evaluation), or at the current
/// pace before any has finished. Negative when unknown (no step done yet).
double remaining_seconds(double elapsed_in_epoch, int64_t step_in_epoch, int64_t steps_per_epoch, int64_t epoch,
                         int64_t epochs, double seconds_per_finished_epoch);

/// `m:ss`, or `h:mm:ss` from an hour on; `?` when negative.
std::string clock_text(double seconds);

/// Shows training progress on stderr: a live bar with loss, lr, samples/s and
/// an ETA on a terminal, a plain line every few seconds otherwise.
class Progress {
 public:
  /// `automatic` picks `bar` when stderr is a terminal, `lines` otherwise.
  Progress(ProgressStyle style, int64_t epochs, int64_t steps_per_epoch);

  void start_epoch(int64_t epoch);
  /// `loss` is only called when a line is due, so that the training loop does
  /// not wait for the device on every step.
  void update(int64_t step_in_epoch, int64_t samples, const std::function<double()>& loss, double lr);
  /// Ends the epoch's bar with a summary line.
  void end_epoch(const std::string& summary);
  /// A line of its own (for messages between epochs).
  void message(const std::string& text);
  /// Like message, but shown with every style, `none` included: what the user
  /// must see (an interruption and how to resume, a skipped step).
  void notice(const std::string& text);

 private:
  using Clock = std::chrono::steady_clock;
  std::string eta_text(int64_t step_in_epoch) const;

  ProgressStyle style_;  // never automatic
  int64_t epochs_;
  int64_t steps_per_epoch_;
  int64_t epoch_ = 0;
  Clock::time_point run_start_;
  Clock::time_point epoch_start_;
  Clock::time_point last_draw_;
  double seconds_per_epoch_ = 0.0;  // measured on finished epochs
  int64_t finished_epochs_ = 0;
  bool bar_open_ = false;
};

}  // namespace attune
