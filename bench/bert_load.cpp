// Times loading a HuggingFace BERT folder into attune's BertModel: config.json,
// building the modules, and the weights through the pretrained initializer.
// Prints one JSON line per repetition: {"weights": ..., "seconds": ...}.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "core/error.h"
#include "models/bert.h"
#include "models/bert_weights.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "usage: bench_bert_load MODEL_DIR WEIGHTS_FILE [REPEATS]\n");
    return 2;
  }
  const std::string folder = argv[1], weights = argv[2];
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 1;
  try {
    for (int i = 0; i < repeats; ++i) {
      const auto start = std::chrono::steady_clock::now();
      const auto config = attune::BertConfig::from_json_file((std::filesystem::path(folder) / "config.json").string());
      attune::BertModel model(config);
      const auto report =
          attune::apply_init_rules(*model, {}, attune::bert_weight_rules(weights, config.initializer_range));
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      int64_t parameters = 0;
      for (const auto& p : model->parameters()) parameters += p.numel();
      fmt::print("{{\"weights\": \"{}\", \"parameters\": {}, \"seconds\": {:.4f}}}\n", weights, parameters, seconds);
    }
  } catch (const attune::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return e.exit_code();
  }
  return 0;
}
