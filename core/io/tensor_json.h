#pragma once

#include <torch/types.h>

#include <nlohmann/json.hpp>

namespace attune {

/// A tensor as nested JSON lists of numbers (doubles), row by row, as
/// Python's `tensor.tolist()` gives it: for `attune embed`'s output and for
/// handing tensors to the Python references in tests.
nlohmann::json tensor_to_json(const torch::Tensor& tensor);

}  // namespace attune
