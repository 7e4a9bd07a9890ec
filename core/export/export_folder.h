#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "core/io/state_dict.h"
#include "core/predict/trained_model.h"

namespace attune {

/// What the exports share: the output folder, the weights, the vocabulary.
namespace export_parts {

/// Creates `out_dir` (and its parents); an InputError if it is a file.
void create_folder(const std::string& out_dir);
/// The model's parameters and buffers by name, float32 (or their integer type) on the CPU.
StateDict model_weights(const Model& model);
/// The run's `data.tokenizer` section (resolved); an undefined node for data without a tokenizer.
YAML::Node tokenizer_section(const TrainedModel& trained);
/// Copies the tokenizer's vocabulary file to out_dir/vocab.txt; false when the data has none.
bool copy_vocabulary(const TrainedModel& trained, const std::string& out_dir);

}  // namespace export_parts
}  // namespace attune
