// The progress bar's ETA: hand-worked runs, each figure derived in its comment
// from what the bar promises (the rest of this epoch at its pace, later epochs
// at the finished epochs' mean time, evaluation included).
#include <gtest/gtest.h>

#include "core/train/progress.h"

namespace attune {
namespace progress_test {

TEST(ProgressEta, FirstEpochExtrapolatesItsOwnPace) {
  // Epoch 1 of 3, 10 steps each: 5 steps in 10 s is 2 s a step, so 5 steps
  // (10 s) remain here and two epochs of 20 s after: 50 s.
  EXPECT_DOUBLE_EQ(remaining_seconds(10.0, 5, 10, 1, 3, 0.0), 50.0);
  EXPECT_EQ(clock_text(50.0), "0:50");
}

TEST(ProgressEta, LaterEpochsUseTheFinishedEpochsTimeWhichIncludesEvaluation) {
  // Epoch 2 of 3: 4 steps in 4 s leaves 6 steps (6 s); the finished epoch took
  // 30 s with its evaluation, and one such epoch is left: 36 s.
  EXPECT_DOUBLE_EQ(remaining_seconds(4.0, 4, 10, 2, 3, 30.0), 36.0);
  // In the last epoch only its own steps remain.
  EXPECT_DOUBLE_EQ(remaining_seconds(4.0, 4, 10, 3, 3, 30.0), 6.0);
  EXPECT_DOUBLE_EQ(remaining_seconds(10.0, 10, 10, 3, 3, 30.0), 0.0);
}

TEST(ProgressEta, UnknownBeforeTheFirstStep) {
  EXPECT_LT(remaining_seconds(0.0, 0, 10, 1, 3, 0.0), 0.0);
  EXPECT_EQ(clock_text(-1.0), "?");
}

TEST(ProgressEta, ClockTextRoundsAndShowsHoursFromAnHourOn) {
  EXPECT_EQ(clock_text(0.0), "0:00");
  EXPECT_EQ(clock_text(59.6), "1:00");  // rounds to the nearest second
  EXPECT_EQ(clock_text(3599.4), "59:59");
  EXPECT_EQ(clock_text(3725.0), "1:02:05");  // 1 h, 2 min, 5 s
  EXPECT_EQ(clock_text(90061.0), "25:01:01");
}

}  // namespace progress_test
}  // namespace attune
