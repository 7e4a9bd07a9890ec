#include "core/io/tensor_json.h"

namespace attune {

nlohmann::json tensor_to_json(const torch::Tensor& tensor) {
  const auto t = tensor.to(torch::kDouble).contiguous();
  if (t.dim() == 1) return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
  nlohmann::json list = nlohmann::json::array();
  for (int64_t i = 0; i < t.size(0); ++i) list.push_back(tensor_to_json(t[i]));
  return list;
}

}  // namespace attune
