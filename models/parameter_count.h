#pragma once

#include <cstdint>
#include <limits>

namespace attune {

/// A parameter count computed from a model's options before the model is
/// built. The options may be absurd (`num_layers: 1000000000000`, a slip of
/// the keyboard), so every sum and product saturates at INT64_MAX instead of
/// wrapping round to a small or negative number that would look affordable.
class ParameterCount {
 public:
  static constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

  /// A negative size builds nothing (the model's constructor refuses it), so
  /// it counts as zero here rather than subtracting from the total.
  constexpr ParameterCount(int64_t value = 0) : value_(value < 0 ? 0 : value) {}  // NOLINT: implicit by design

  constexpr int64_t value() const { return value_; }
  /// True when the true count is INT64_MAX or more.
  constexpr bool saturated() const { return value_ == kMax; }

  friend constexpr ParameterCount operator+(ParameterCount a, ParameterCount b) {
    return a.value_ > kMax - b.value_ ? ParameterCount(kMax) : ParameterCount(a.value_ + b.value_);
  }
  friend constexpr ParameterCount operator*(ParameterCount a, ParameterCount b) {
    if (a.value_ == 0 || b.value_ == 0) return 0;
    return a.value_ > kMax / b.value_ ? ParameterCount(kMax) : ParameterCount(a.value_ * b.value_);
  }
  ParameterCount& operator+=(ParameterCount other) { return *this = *this + other; }

 private:
  int64_t value_;
};

/// torch::nn::Linear(in, out): the weight and, with `bias`, the bias.
constexpr ParameterCount linear_parameters(ParameterCount in, ParameterCount out, bool bias = true) {
  return in * out + (bias ? out : ParameterCount(0));
}

/// torch::nn::Embedding(rows, width).
constexpr ParameterCount embedding_parameters(ParameterCount rows, ParameterCount width) {
  return rows * width;
}

/// torch::nn::LayerNorm over `width` features: weight and bias.
constexpr ParameterCount layer_norm_parameters(ParameterCount width) {
  return width * 2;
}

}  // namespace attune
