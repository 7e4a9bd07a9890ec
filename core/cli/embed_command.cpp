// `attune embed`: a HuggingFace BERT's forward pass, for checking attune's
// numbers against HuggingFace's.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/cli/commands.h"
#include "core/data/bert_tokenizer.h"
#include "core/io/atomic_file.h"
#include "core/io/tensor_json.h"
#include "models/bert.h"
#include "models/bert_weights.h"

namespace attune::cli {
namespace {

torch::Tensor rows_to_tensor(const nlohmann::json& rows, const std::string& key, const std::string& file) {
  if (!rows.is_array() || rows.empty()) input_error("{}: `{}` must be a non-empty list of lists of ints", file, key);
  std::vector<torch::Tensor> result;
  for (const auto& row : rows) {
    if (!row.is_array() || row.size() != rows[0].size() || row.empty()) {
      input_error("{}: `{}` must be a rectangular list of lists of ints", file, key);
    }
    std::vector<int64_t> values;
    for (const auto& value : row) {
      if (!value.is_number_integer()) input_error("{}: `{}` holds a non-integer {}", file, key, value.dump());
      values.push_back(value.get<int64_t>());
    }
    result.push_back(torch::tensor(values, torch::kLong));
  }
  return torch::stack(result);
}

bool lower_case(const std::string& folder) {
  const auto path = std::filesystem::path(folder) / "tokenizer_config.json";
  if (!std::filesystem::exists(path)) return true;
  const auto config = nlohmann::json::parse(read_text_file(path.string()), nullptr, false);
  return config.is_object() && config.contains("do_lower_case") ? config["do_lower_case"].get<bool>() : true;
}

/// A batch of BERT inputs; undefined token types or mask mean the model's defaults.
struct BertInputs {
  torch::Tensor ids, types, mask;
};

/// Inputs given as ids in a JSON file, checked against the model's vocabularies.
BertInputs read_inputs(const std::string& file, const BertConfig& config) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(read_text_file(file));
  } catch (const nlohmann::json::exception& e) {
    input_error("{}: not valid JSON: {}", file, e.what());
  }
  if (!json.is_object() || !json.contains("input_ids")) input_error("{}: expected an object with input_ids", file);
  BertInputs inputs;
  inputs.ids = rows_to_tensor(json["input_ids"], "input_ids", file);
  if (json.contains("token_type_ids")) inputs.types = rows_to_tensor(json["token_type_ids"], "token_type_ids", file);
  if (json.contains("attention_mask")) inputs.mask = rows_to_tensor(json["attention_mask"], "attention_mask", file);
  for (const auto& t : {inputs.types, inputs.mask}) {
    if (t.defined() && t.sizes() != inputs.ids.sizes())
      input_error("{}: all id lists must have input_ids' shape", file);
  }
  if ((inputs.ids < 0).any().item<bool>() || (inputs.ids >= config.vocab_size).any().item<bool>()) {
    input_error("{}: input_ids must be in [0, {})", file, config.vocab_size);
  }
  const auto& types = inputs.types;
  if (types.defined() && ((types < 0).any().item<bool>() || (types >= config.type_vocab_size).any().item<bool>())) {
    input_error("{}: token_type_ids must be in [0, {})", file, config.type_vocab_size);
  }
  return inputs;
}

/// Texts tokenized with the model folder's vocabulary, padded to the longest.
BertInputs tokenize_texts(const std::vector<std::string>& texts, const std::string& model_folder,
                          const BertConfig& config) {
  if (texts.empty()) input_error("embed: give --text TEXT ... or --input FILE.json");
  BertTokenizerOptions options;
  options.lowercase = lower_case(model_folder);
  BertTokenizer tokenizer(Vocab::load((std::filesystem::path(model_folder) / "vocab.txt").string()), options);
  std::vector<Encoding> encodings;
  size_t longest = 0;
  for (const auto& text : texts) {
    encodings.push_back(tokenizer.encode(text, std::nullopt, config.max_position_embeddings));
    longest = std::max(longest, encodings.back().input_ids.size());
  }
  BertInputs inputs;
  inputs.ids = torch::full({static_cast<int64_t>(encodings.size()), static_cast<int64_t>(longest)}, tokenizer.pad_id());
  inputs.mask = torch::zeros_like(inputs.ids);
  for (size_t r = 0; r < encodings.size(); ++r) {
    for (size_t t = 0; t < encodings[r].input_ids.size(); ++t) {
      inputs.ids[r][t] = encodings[r].input_ids[t];
      inputs.mask[r][t] = 1;
    }
  }
  return inputs;
}

/// The BERT of a HuggingFace folder with every weight from `weights`, in eval mode.
BertModel load_bert(const BertConfig& config, const std::string& weights) {
  BertModel model(config);
  const auto report =
      apply_init_rules(*model, {}, bert_weight_rules(weights, config.initializer_range, {"classifier.*"}));
  for (const auto& row : report) {
    if (row.initializer != "pretrained") input_error("{}: the checkpoint has no weights for `{}`", weights, row.name);
  }
  model->eval();
  return model;
}

}  // namespace

CommandRunner add_embed_command(CLI::App& app) {
  struct Arguments {
    std::string model, weights, input, output;
    std::vector<std::string> texts;
  };
  auto args = std::make_shared<Arguments>();
  auto* command = app.add_subcommand("embed", "run a HuggingFace BERT: JSON with last_hidden_state and pooler_output");
  command->add_option("--model", args->model, "HuggingFace model folder (config.json, weights, vocab.txt)")->required();
  command->add_option("--weights", args->weights, "weights file to use instead of the folder's own");
  auto* text = command->add_option("--text", args->texts, "texts to tokenize and embed (repeatable)");
  auto* input = command->add_option("--input", args->input,
                                    "JSON {input_ids: [[..]], token_type_ids: [[..]], attention_mask: [[..]]}");
  text->excludes(input);
  command->add_option("--output", args->output, "write the JSON here instead of standard output");
  return [args]() {
    const auto config = BertConfig::from_json_file((std::filesystem::path(args->model) / "config.json").string());
    BertModel model = load_bert(config, args->weights.empty() ? args->model : args->weights);
    const BertInputs inputs =
        args->input.empty() ? tokenize_texts(args->texts, args->model, config) : read_inputs(args->input, config);
    torch::NoGradGuard no_grad;
    const auto out = model->forward(inputs.ids, inputs.types, inputs.mask);
    const nlohmann::json json{{"last_hidden_state", tensor_to_json(out.last_hidden_state)},
                              {"pooler_output", tensor_to_json(out.pooler_output)}};
    if (args->output.empty()) {
      fmt::print("{}\n", json.dump());
    } else {
      write_file_atomically(args->output, json.dump() + "\n");
    }
    return 0;
  };
}

CommandRunner add_tokenize_command(CLI::App& app) {
  struct Arguments {
    std::string vocab, pair, input;
    std::vector<std::string> texts;
    bool cased = false, pad = false;
    int64_t max_length = 0;
  };
  auto args = std::make_shared<Arguments>();
  auto* command =
      app.add_subcommand("tokenize", "tokenize as HuggingFace's BertTokenizer: JSON list of {tokens, input_ids}");
  command->add_option("--vocab", args->vocab, "vocab.txt")->required();
  command->add_flag("--cased", args->cased, "keep case and accents (cased models)");
  command->add_option("--pair", args->pair, "second text of a pair, for every TEXT");
  command->add_option("--max-length", args->max_length, "truncate (longest_first) to this many tokens")
      ->check(CLI::NonNegativeNumber);
  command->add_flag("--pad", args->pad, "pad to --max-length");
  command->add_option("text", args->texts, "texts");
  command->add_option("--input", args->input, "JSON list of texts (for texts no argument can carry, e.g. with NUL)");
  return [args]() {
    if (!args->input.empty()) {
      try {
        const auto texts = nlohmann::json::parse(read_text_file(args->input));
        for (const auto& text : texts) args->texts.push_back(text.get<std::string>());
      } catch (const nlohmann::json::exception& e) {
        input_error("{}: expected a JSON list of strings: {}", args->input, e.what());
      }
    }
    if (args->texts.empty()) input_error("tokenize: give TEXT ... or --input FILE.json");
    BertTokenizerOptions options;
    options.lowercase = !args->cased;
    const BertTokenizer tokenizer(Vocab::load(args->vocab), options);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& text : args->texts) {
      std::optional<std::string_view> pair;
      if (!args->pair.empty()) pair = args->pair;
      const Encoding encoding = tokenizer.encode(text, pair, args->max_length, args->pad);
      out.push_back({{"text", text},
                     {"tokens", tokenizer.tokenize(text)},
                     {"input_ids", encoding.input_ids},
                     {"token_type_ids", encoding.token_type_ids},
                     {"attention_mask", encoding.attention_mask}});
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  };
}

}  // namespace attune::cli
