#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/data/batch.h"
#include "core/predict/trained_model.h"

namespace attune::testing {

/// Batches of a trained run's own kind of input, cut from its data files: for
/// text, two batch sizes whose longest sentences differ (two sequence
/// lengths); for images, two batch sizes.
std::vector<Batch> sample_batches(const TrainedModel& trained, const std::string& run);

/// The batches as the Python scripts read them (token_type_ids zeros where a
/// batch has none).
nlohmann::json batches_json(const std::vector<Batch>& batches);

/// The largest absolute difference between a tensor and nested JSON lists of the same shape.
double max_difference(const torch::Tensor& expected, const nlohmann::json& actual);

}  // namespace attune::testing
