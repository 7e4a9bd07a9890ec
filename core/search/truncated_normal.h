#pragma once

namespace attune::truncated_normal {

/// log Phi(x), the standard normal's log CDF, accurate far into both tails.
double log_ndtr(double x);

/// The x with log_ndtr(x) == log_p (log_p <= 0).
double ndtri_exp(double log_p);

/// log(Phi(b) - Phi(a)) for a <= b: the log of a standard normal's mass on
/// [a, b], computed on the side of zero where it does not cancel.
double log_gauss_mass(double a, double b);

/// The standard normal truncated to [a, b]: the point at quantile q in (0, 1)
/// (inverse-CDF sampling) and the log density at x.
double ppf(double q, double a, double b);
double log_pdf(double x, double a, double b);

}  // namespace attune::truncated_normal
