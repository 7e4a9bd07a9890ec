#include "core/train/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace attune {

double remaining_seconds(double elapsed_in_epoch, int64_t step_in_epoch, int64_t steps_per_epoch, int64_t epoch,
                         int64_t epochs, double seconds_per_finished_epoch) {
  if (step_in_epoch <= 0) return -1.0;
  const double per_step = elapsed_in_epoch / static_cast<double>(step_in_epoch);
  const double epoch_seconds =
      seconds_per_finished_epoch > 0 ? seconds_per_finished_epoch : per_step * static_cast<double>(steps_per_epoch);
  return per_step * static_cast<double>(steps_per_epoch - step_in_epoch) +
         epoch_seconds * static_cast<double>(epochs - epoch);
}

std::string clock_text(double seconds) {
  if (seconds < 0) return "?";
  const auto total = static_cast<int64_t>(seconds + 0.5);
  if (total >= 3600) return fmt::format("{}:{:02}:{:02}", total / 3600, (total / 60) % 60, total % 60);
  return fmt::format("{}:{:02}", total / 60, total % 60);
}

Progress::Progress(ProgressStyle style, int64_t epochs, int64_t steps_per_epoch)
    : style_(style != ProgressStyle::automatic ? style
             : isatty(STDERR_FILENO)           ? ProgressStyle::bar
                                               : ProgressStyle::lines),
      epochs_(epochs),
      steps_per_epoch_(steps_per_epoch),
      run_start_(Clock::now()) {}

void Progress::start_epoch(int64_t epoch) {
  epoch_ = epoch;
  epoch_start_ = last_draw_ = Clock::now();
}

std::string Progress::eta_text(int64_t step_in_epoch) const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - epoch_start_).count();
  return clock_text(remaining_seconds(elapsed, step_in_epoch, steps_per_epoch_, epoch_, epochs_,
                                      finished_epochs_ ? seconds_per_epoch_ : 0.0));
}

void Progress::update(int64_t step_in_epoch, int64_t samples, const std::function<double()>& loss, double lr) {
  if (style_ == ProgressStyle::none) return;
  const auto now = Clock::now();
  const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
  const bool last = step_in_epoch == steps_per_epoch_;
  if (style_ == ProgressStyle::bar ? (since_draw < 0.2 && !last) : (since_draw < 10.0)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - epoch_start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(samples) / elapsed : 0.0;
  const std::string stats =
      fmt::format("loss {:.4f} lr {:.2e} {:.0f} samples/s ETA {}", loss(), lr, rate, eta_text(step_in_epoch));
  if (style_ == ProgressStyle::bar) {
    constexpr int kWidth = 30;
    const auto filled = static_cast<int>(kWidth * step_in_epoch / std::max<int64_t>(steps_per_epoch_, 1));
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, '.');
    fmt::print(stderr, "\r\033[Kepoch {}/{} [{}] {}/{} {}", epoch_, epochs_, bar, step_in_epoch, steps_per_epoch_,
               stats);
    bar_open_ = true;
  } else {
    fmt::print(stderr, "epoch {}/{} step {}/{} {}\n", epoch_, epochs_, step_in_epoch, steps_per_epoch_, stats);
  }
  std::fflush(stderr);
}

void Progress::end_epoch(const std::string& summary) {
  const double seconds = std::chrono::duration<double>(Clock::now() - epoch_start_).count();
  seconds_per_epoch_ = (seconds_per_epoch_ * static_cast<double>(finished_epochs_) + seconds) /
                       static_cast<double>(finished_epochs_ + 1);
  ++finished_epochs_;
  message(fmt::format("epoch {}/{} {} ({:.1f}s)", epoch_, epochs_, summary, seconds));
}

void Progress::message(const std::string& text) {
  if (style_ == ProgressStyle::none) return;
  notice(text);
}

void Progress::notice(const std::string& text) {
  if (bar_open_) fmt::print(stderr, "\r\033[K");
  bar_open_ = false;
  fmt::print(stderr, "{}\n", text);
  std::fflush(stderr);
}

}  // namespace attune
