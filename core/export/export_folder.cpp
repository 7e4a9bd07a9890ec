#include "core/export/export_folder.h"

#include <filesystem>

#include "core/error.h"
#include "core/io/atomic_file.h"

namespace attune::export_parts {

void create_folder(const std::string& out_dir) {
  std::error_code error;
  if (std::filesystem::exists(out_dir) && !std::filesystem::is_directory(out_dir)) {
    input_error("{}: exists and is not a folder; export into a folder", out_dir);
  }
  std::filesystem::create_directories(out_dir, error);
  if (error) runtime_error("cannot create {}: {}", out_dir, error.message());
}

StateDict model_weights(const Model& model) {
  StateDict weights;
  auto add = [&](const std::string& name, const torch::Tensor& tensor) {
    auto cpu = tensor.detach().to(torch::kCPU);
    if (cpu.is_floating_point()) cpu = cpu.to(torch::kFloat32);
    weights.emplace_back(name, cpu.contiguous());
  };
  for (const auto& item : model.named_parameters()) add(item.key(), item.value());
  for (const auto& item : model.named_buffers()) add(item.key(), item.value());
  return weights;
}

YAML::Node tokenizer_section(const TrainedModel& trained) {
  // yaml-cpp's missing keys throw on use: look before touching.
  const YAML::Node data = trained.experiment.loaded.resolved["data"];
  if (!data.IsDefined() || !data.IsMap()) return YAML::Node();
  const YAML::Node tokenizer = data["tokenizer"];
  return tokenizer.IsDefined() ? tokenizer : YAML::Node();
}

bool copy_vocabulary(const TrainedModel& trained, const std::string& out_dir) {
  const YAML::Node tokenizer = tokenizer_section(trained);
  if (!tokenizer.IsDefined() || !tokenizer.IsMap() || !tokenizer["vocab"].IsDefined() ||
      !tokenizer["vocab"].IsScalar()) {
    return false;
  }
  write_file_atomically(out_dir + "/vocab.txt", read_text_file(tokenizer["vocab"].as<std::string>()));
  return true;
}

}  // namespace attune::export_parts
