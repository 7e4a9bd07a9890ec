#include <sstream>

#include "core/export/export_folder.h"
#include "core/export/exports.h"
#include "core/io/atomic_file.h"
#include "models/torchscript_source.h"

namespace attune {

torch::jit::Module torchscript_module(const TrainedModel& trained) {
  const std::string source = trained.model().torchscript();
  if (source.empty()) {
    input_error("model `{}` has no TorchScript form (its class gives no Model::torchscript source)",
                trained.experiment.config().model.type);
  }
  torch::jit::Module module("attune_model");
  for (const auto& [name, tensor] : export_parts::model_weights(trained.model())) {
    const bool is_buffer = !tensor.is_floating_point() || !trained.model().named_parameters().contains(name);
    module.register_parameter(script::attribute_name(name), tensor.clone(), is_buffer);
  }
  c10::List<std::string> labels;
  for (const auto& label : trained.labels()) labels.push_back(label);
  module.register_attribute("labels", c10::ListType::ofStrings(), labels);
  try {
    module.define(source);
  } catch (const std::exception& e) {
    // The source is attune's (or a plugin's) own: a failure here is a bug, shown whole.
    runtime_error("model `{}`: its TorchScript source does not compile: {}\n{}", trained.experiment.config().model.type,
                  e.what(), source);
  }
  module.eval();
  return module;
}

void export_torchscript(const TrainedModel& trained, const std::string& file) {
  std::ostringstream out;
  torchscript_module(trained).save(out);
  write_file_atomically(file, out.str());
}

}  // namespace attune
