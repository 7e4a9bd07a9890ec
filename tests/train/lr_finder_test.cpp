// The learning-rate range test (attune lr-find): its suggestion on a curve
// whose answer is known, and the command's numbers against Lightning's rules
// recomputed in Python (numpy) from the losses it wrote.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/train/lr_finder.h"
#include "tests/support/tiny_experiment.h"

namespace attune {
namespace lr_finder_test {

TEST(LrFinder, SuggestsTheSteepestFallOfAKnownCurve) {
  // A loss that falls fastest at lr = 10^-3: 1 - tanh(log10(lr) + 3).
  const LrFinderOptions options;
  std::vector<double> smoothed;
  for (int64_t step = 0; step < options.steps; ++step) {
    smoothed.push_back(1.0 - std::tanh(std::log10(range_test_lr(options, step)) + 3.0));
  }
  smoothed.back() = std::nan("");  // skipped (the last point) whatever it is
  const auto index = steepest_descent(smoothed, options.skip_begin, options.skip_end);
  ASSERT_TRUE(index.has_value());
  // The grid's step is 10^(8/99): the suggestion is the grid point nearest 10^-3.
  const double grid_step = 8.0 / 99.0;
  EXPECT_LE(std::abs(std::log10(range_test_lr(options, static_cast<int64_t>(*index))) + 3.0), grid_step / 2);
  // Too few points once the first 10 and the last are dropped.
  EXPECT_FALSE(steepest_descent(std::vector<double>(12, 1.0), 10, 1).has_value());
}

TEST(LrFinder, TheCommandSuggestsWhatLightningsRulesGiveOnItsOwnLosses) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 96);
  const std::string before = testing::read_text(yaml);
  const auto result = testing::run_attune(
      {"lr-find", yaml, "--steps", "60", "--min-lr", "1e-6", "--plot", dir.file("lr.svg")}, dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(testing::read_text(dir.file("lr.svg")).find("<svg"), std::string::npos);
  EXPECT_EQ(testing::read_text(yaml), before);              // the experiment is left as it was
  EXPECT_FALSE(std::filesystem::exists(dir.file("runs")));  // and no run was written
  const auto check = testing::run_shell(testing::python() +
                                        " -c '\n"
                                        "import csv, sys\n"
                                        "import numpy as np\n"
                                        "rows = list(csv.DictReader(open(sys.argv[1])))\n"
                                        "lr = np.array([float(r[\"lr\"]) for r in rows])\n"
                                        "loss = np.array([float(r[\"loss\"]) for r in rows])\n"
                                        "smoothed = np.array([float(r[\"smoothed_loss\"]) for r in rows])\n"
                                        "n = 60\n"
                                        "expected_lr = 1e-6 * (1.0 / 1e-6) ** (np.arange(len(rows)) / (n - 1))\n"
                                        "assert np.allclose(lr, expected_lr, rtol=1e-12, atol=0), (lr, expected_lr)\n"
                                        "avg, ours = 0.0, []\n"
                                        "for i, l in enumerate(loss):\n"
                                        "    avg = 0.98 * avg + 0.02 * l\n"
                                        "    ours.append(avg / (1 - 0.98 ** (i + 1)))\n"
                                        "assert np.allclose(smoothed, ours, rtol=1e-9), (smoothed, ours)\n"
                                        "kept_lr, kept = lr[10:-1], smoothed[10:-1]\n"
                                        "finite = np.isfinite(kept)\n"
                                        "print(repr(float(kept_lr[finite][np.gradient(kept[finite]).argmin()])))' " +
                                        dir.file("lr.csv"));
  ASSERT_EQ(check.exit_code, 0) << check.text;
  const double expected = std::stod(check.text);
  const auto at = result.out.find("suggested lr: ");
  ASSERT_NE(at, std::string::npos) << result.out;
  const double suggested = std::stod(result.out.substr(at + 14));
  EXPECT_NEAR(suggested, expected, expected * 1e-5) << result.out;  // printed to 6 significant digits
}

}  // namespace lr_finder_test
}  // namespace attune
