#include "core/search/truncated_normal.h"

#include <algorithm>
#include <cmath>
#include <limits>

// The formulas follow SciPy's truncnorm (and Optuna's copy of it, which TPE
// samples with): masses and quantiles are taken in log space on the side of
// zero where the normal's tail is small, so that a component many sigmas away
// from the interval still gets a finite, exact log density.
namespace attune::truncated_normal {
namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))

// log(exp(a) - exp(b)) for a >= b.
double log_diff(double a, double b) {
  return a + std::log1p(-std::exp(b - a));
}

// log(exp(a) + exp(b)).
double log_sum(double a, double b) {
  const double high = std::max(a, b), low = std::min(a, b);
  if (high == -std::numeric_limits<double>::infinity()) return high;
  return high + std::log1p(std::exp(low - high));
}

double ndtr(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

}  // namespace

double log_ndtr(double x) {
  if (x > 6) return -ndtr(-x);  // log(1 - t) ~ -t
  if (x > -20) return std::log(ndtr(x));
  // The asymptotic series of the Mills ratio, past where erfc underflows.
  const double x2 = x * x;
  double term = 1, sum = 1;
  for (int k = 1; k <= 8; ++k) {
    term *= -(2.0 * k - 1) / x2;
    sum += term;
  }
  return -0.5 * x2 - std::log(-x) - kLogSqrt2Pi + std::log(sum);
}

double ndtri_exp(double log_p) {
  if (log_p >= 0) return std::numeric_limits<double>::infinity();
  if (log_p == -std::numeric_limits<double>::infinity()) return -std::numeric_limits<double>::infinity();
  // Acklam's rational approximation as the start, then Newton on log_ndtr
  // (whose derivative is pdf / cdf), which brings it to full precision.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double p = std::exp(log_p);
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * log_p);
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - 0.02425) {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double q = std::sqrt(-2 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  for (int i = 0; i < 50; ++i) {
    const double log_cdf = log_ndtr(x);
    const double slope = std::exp(-0.5 * x * x - kLogSqrt2Pi - log_cdf);
    if (!(slope > 0) || !std::isfinite(slope)) break;
    const double step = (log_cdf - log_p) / slope;
    x -= step;
    if (std::abs(step) <= 1e-15 * std::max(1.0, std::abs(x))) break;
  }
  return x;
}

double log_gauss_mass(double a, double b) {
  if (b <= 0) return log_diff(log_ndtr(b), log_ndtr(a));
  if (a > 0) return log_gauss_mass(-b, -a);
  return std::log1p(-ndtr(a) - ndtr(-b));
}

double ppf(double q, double a, double b) {
  const double log_mass = log_gauss_mass(a, b);
  double x;
  if (a < 0) {
    x = ndtri_exp(log_sum(log_ndtr(a), std::log(q) + log_mass));
  } else {
    x = -ndtri_exp(log_sum(log_ndtr(-b), std::log1p(-q) + log_mass));
  }
  return std::clamp(x, a, b);
}

double log_pdf(double x, double a, double b) {
  if (x < a || x > b) return -std::numeric_limits<double>::infinity();
  return -0.5 * x * x - kLogSqrt2Pi - log_gauss_mass(a, b);
}

}  // namespace attune::truncated_normal
