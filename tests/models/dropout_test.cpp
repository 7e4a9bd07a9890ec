// attune::Dropout against what inverted dropout must be (the definition, not
// our own output): kept fractions within binomial bounds, kept values scaled
// by 1 / (1 - p), masks independent between neighbours and between calls,
// the gradient masked the same way, runs repeatable under torch::manual_seed
// and the same for any thread count.
#include "models/dropout.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cmath>

namespace attune {
namespace dropout_test {

constexpr int64_t kElements = 1 << 20;

torch::Tensor kept_mask(double p, const torch::Tensor& input) {
  return inverted_dropout(input, p, true).ne(0);
}

TEST(Dropout, KeepsEachElementWithProbabilityOneMinusPWithinBinomialBounds) {
  torch::manual_seed(1);
  const auto ones = torch::ones({kElements});
  for (const double p : {0.1, 0.5, 0.9}) {
    const double kept = kept_mask(p, ones).to(torch::kDouble).mean().item<double>();
    const double sigma = std::sqrt(p * (1 - p) / kElements);
    EXPECT_NEAR(kept, 1 - p, 5 * sigma) << "p = " << p;
  }
}

TEST(Dropout, ScalesKeptElementsByOneOverOneMinusP) {
  torch::manual_seed(2);
  const auto input = torch::randn({64, 33, 7});
  const double p = 0.3;
  const auto out = inverted_dropout(input, p, true);
  const auto kept = out.ne(0);
  const auto expected = input * static_cast<float>(1 / (1 - p));
  EXPECT_TRUE(torch::allclose(out.masked_select(kept), expected.masked_select(kept), 1e-6, 0));
  EXPECT_EQ(out.sizes(), input.sizes());
}

TEST(Dropout, NeighboursAndSuccessiveCallsAreIndependent) {
  torch::manual_seed(3);
  const double p = 0.5;
  const auto ones = torch::ones({kElements});
  const auto a = kept_mask(p, ones).to(torch::kDouble), b = kept_mask(p, ones).to(torch::kDouble);
  const double sigma = std::sqrt(0.25 * 0.75 / kElements);  // P(both kept) = 1/4 if independent
  EXPECT_NEAR((a.slice(0, 0, -1) * a.slice(0, 1)).mean().item<double>(), 0.25, 5 * sigma) << "neighbours";
  EXPECT_NEAR((a * b).mean().item<double>(), 0.25, 5 * sigma) << "two calls";
  // Element i against element i + 2^16 (a stride a weak hash would repeat at).
  EXPECT_NEAR((a.slice(0, 0, -65536) * a.slice(0, 65536)).mean().item<double>(), 0.25, 5 * sigma) << "stride";
}

TEST(Dropout, TheGradientIsMaskedAndScaledLikeTheOutput) {
  torch::manual_seed(4);
  const auto input = torch::randn({1000}, torch::requires_grad());
  const double p = 0.2;
  const auto out = inverted_dropout(input, p, true);
  out.sum().backward();
  const auto expected = out.ne(0).to(torch::kFloat) * static_cast<float>(1 / (1 - p));
  EXPECT_TRUE(torch::allclose(input.grad(), expected, 1e-6, 0));
}

TEST(Dropout, RepeatsUnderTheSameSeedForAnyThreadCount) {
  const auto ones = torch::ones({kElements});
  const int threads = at::get_num_threads();
  torch::manual_seed(5);
  at::set_num_threads(1);
  const auto one_thread = inverted_dropout(ones, 0.1, true);
  torch::manual_seed(5);
  at::set_num_threads(2);
  const auto two_threads = inverted_dropout(ones, 0.1, true);
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one_thread, two_threads));
  torch::manual_seed(6);
  EXPECT_FALSE(torch::equal(one_thread, inverted_dropout(ones, 0.1, true)));
}

TEST(Dropout, IsTheIdentityInEvaluationAndForPZero) {
  const auto input = torch::randn({10, 10});
  Dropout module(0.5);
  module->eval();
  EXPECT_TRUE(torch::equal(module(input), input));
  EXPECT_TRUE(torch::equal(inverted_dropout(input, 0.0, true), input));
}

}  // namespace dropout_test
}  // namespace attune
