#include <filesystem>

#include "core/experiment/experiment_config.h"
#include "core/export/export_folder.h"
#include "core/export/exports.h"
#include "core/io/atomic_file.h"
#include "core/io/run_directory.h"
#include "core/io/safetensors.h"
#include "models/bert.h"

namespace attune {

void export_safetensors(const TrainedModel& trained, const std::string& out_dir) {
  export_parts::create_folder(out_dir);
  YAML::Node config = YAML::Clone(trained.experiment.loaded.resolved);
  // What the model needs besides its weights travels with it, by paths relative to config.yaml.
  if (export_parts::copy_vocabulary(trained, out_dir)) config["data"]["tokenizer"]["vocab"] = "vocab.txt";
  if (const auto* bert = dynamic_cast<const BertSequenceClassifier*>(&trained.model())) {
    write_file_atomically(out_dir + "/config.json", bert->bert_config().to_json().dump(2) + "\n");
    config["model"]["pretrained"] = ".";
  }
  // The weights are in model.safetensors: no initializer runs, and none may name a file left behind.
  config["init"] = YAML::Node(YAML::NodeType::Sequence);
  config["device"] = "auto";
  write_safetensors(out_dir + "/model.safetensors", export_parts::model_weights(trained.model()),
                    {{"format", "pt"}, {"exported_by", "attune"}});
  write_file_atomically(out_dir + "/labels.json", nlohmann::json(trained.labels()).dump(2) + "\n");
  write_file_atomically(out_dir + "/config.yaml", to_yaml(config));
}

}  // namespace attune
