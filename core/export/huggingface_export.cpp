#include "core/export/export_folder.h"
#include "core/export/exports.h"
#include "core/io/atomic_file.h"
#include "core/io/safetensors.h"
#include "models/bert.h"

namespace attune {
namespace {

bool yaml_bool(const YAML::Node& section, const char* key, bool fallback) {
  const YAML::Node value = section[key];
  return value.IsDefined() && value.IsScalar() ? value.as<bool>() : fallback;
}

// tokenizer_config.json and special_tokens_map.json as BertTokenizer.save_pretrained writes them.
void write_tokenizer_files(const TrainedModel& trained, const std::string& out_dir) {
  const YAML::Node tokenizer = export_parts::tokenizer_section(trained);
  if (!tokenizer.IsDefined() || !tokenizer.IsMap() || tokenizer["type"].as<std::string>() != "wordpiece" ||
      !export_parts::copy_vocabulary(trained, out_dir)) {
    input_error("--to hf exports runs tokenized by `wordpiece` (BertTokenizer); this run's data has another tokenizer");
  }
  const nlohmann::ordered_json specials = {{"cls_token", "[CLS]"},
                                           {"mask_token", "[MASK]"},
                                           {"pad_token", "[PAD]"},
                                           {"sep_token", "[SEP]"},
                                           {"unk_token", "[UNK]"}};
  nlohmann::ordered_json config = specials;
  config["clean_up_tokenization_spaces"] = true;
  const bool lowercase = yaml_bool(tokenizer, "lowercase", true);
  config["do_lower_case"] = lowercase;
  config["model_max_length"] = trained.experiment.data->spec().max_length;
  const YAML::Node strip_accents = tokenizer["strip_accents"];
  config["strip_accents"] = strip_accents.IsDefined() && strip_accents.IsScalar() && !strip_accents.IsNull()
                                ? nlohmann::ordered_json(strip_accents.as<bool>())
                                : nlohmann::ordered_json(nullptr);
  config["tokenize_chinese_chars"] = yaml_bool(tokenizer, "tokenize_chinese_chars", true);
  config["tokenizer_class"] = "BertTokenizer";
  write_file_atomically(out_dir + "/tokenizer_config.json", config.dump(2) + "\n");
  write_file_atomically(out_dir + "/special_tokens_map.json", specials.dump(2) + "\n");
}

}  // namespace

void export_huggingface(const TrainedModel& trained, const std::string& out_dir) {
  const auto* bert = dynamic_cast<const BertSequenceClassifier*>(&trained.model());
  if (!bert) {
    input_error(
        "--to hf exports BERT classifiers (model.type bert_classifier); this run's model has no HuggingFace "
        "counterpart: use --to safetensors or --to torchscript");
  }
  export_parts::create_folder(out_dir);
  nlohmann::ordered_json config = {{"architectures", {"BertForSequenceClassification"}}};
  config.update(bert->bert_config().to_json());
  nlohmann::ordered_json id2label, label2id;
  for (size_t i = 0; i < trained.labels().size(); ++i) {
    id2label[std::to_string(i)] = trained.labels()[i];
    label2id[trained.labels()[i]] = i;
  }
  config["id2label"] = id2label;
  config["label2id"] = label2id;
  config["torch_dtype"] = "float32";
  write_tokenizer_files(trained, out_dir);
  // attune's BERT classifier already carries HuggingFace's names (bert.*, classifier.*).
  write_safetensors(out_dir + "/model.safetensors", export_parts::model_weights(trained.model()), {{"format", "pt"}});
  write_file_atomically(out_dir + "/config.json", config.dump(2) + "\n");
}

}  // namespace attune
