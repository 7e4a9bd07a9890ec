#include "tests/export/export_test_support.h"

#include <filesystem>

#include "core/io/tensor_json.h"
#include "tests/support/test_support.h"

namespace attune::testing {

std::vector<Batch> sample_batches(const TrainedModel& trained, const std::string& run) {
  const auto folder = std::filesystem::path(run).parent_path();
  const bool text = std::filesystem::exists(folder / "valid.tsv");
  std::shared_ptr<Dataset> dataset;
  if (text) {
    dataset = trained.experiment.data->read_file(folder / "valid.tsv", Labels::ignored);
  } else {
    const auto head = run_shell("zcat " + source_dir() + "/data/digits/digits.csv.gz | head -12");
    write_text(folder / "sample.csv", head.text);
    dataset = trained.experiment.data->read_file(folder / "sample.csv", Labels::required);
  }
  std::vector<Batch> batches;
  batches.push_back(dataset->collate({0, 1}));
  batches.push_back(dataset->collate({2, 3, 4, 5, 6, 7, 8}));
  if (text && batches[0].input_ids.size(1) == batches[1].input_ids.size(1)) {
    batches[0] = dataset->collate({0});  // another length than the longer batch's
  }
  return batches;
}

nlohmann::json batches_json(const std::vector<Batch>& batches) {
  nlohmann::json result = nlohmann::json::array();
  for (const auto& batch : batches) {
    if (batch.pixels.defined()) {
      result.push_back({{"pixels", tensor_to_json(batch.pixels)}});
      continue;
    }
    const auto types = batch.token_type_ids.defined() ? batch.token_type_ids : torch::zeros_like(batch.input_ids);
    result.push_back({{"input_ids", tensor_to_json(batch.input_ids)},
                      {"attention_mask", tensor_to_json(batch.attention_mask)},
                      {"token_type_ids", tensor_to_json(types)}});
  }
  return result;
}

double max_difference(const torch::Tensor& expected, const nlohmann::json& actual) {
  const auto values = expected.to(torch::kDouble).contiguous();
  double worst = 0;
  int64_t i = 0;
  for (const auto& row : actual) {
    for (const auto& value : row)
      worst = std::max(worst, std::abs(values.data_ptr<double>()[i++] - value.get<double>()));
  }
  return i == values.numel() ? worst : 1e30;
}

}  // namespace attune::testing
