// Tokenization and batching of an experiment's training data, timed apart
// from training: reading and tokenizing the whole training file (building the
// data module), then collating every batch of one epoch in the trainer's
// order. Prints one JSON line.
#include <fmt/format.h>

#include <chrono>

#include "core/data/permutation.h"
#include "core/error.h"
#include "core/experiment/experiment.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: bench_data_prep EXP.yaml [k=v ...]\n");
    return 2;
  }
  try {
    const std::vector<std::string> overrides(argv + 2, argv + argc);
    const auto loaded = attune::load_experiment(argv[1], overrides);
    const auto& config = loaded.config;
    const auto start = std::chrono::steady_clock::now();
    const auto data = config.data.create({static_cast<uint64_t>(config.seed), {}});
    const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto train = data->train();
    const auto valid = data->valid();
    const int64_t examples = train.size() + valid.size();

    const auto order =
        attune::seeded_permutation(train.size(), attune::mix_seed(static_cast<uint64_t>(config.seed), 1000001));
    const int64_t batch_size = config.train.batch_size;
    const auto collate_start = std::chrono::steady_clock::now();
    int64_t tokens = 0;
    for (int64_t begin = 0; begin < train.size(); begin += batch_size) {
      std::vector<int64_t> indices;
      for (int64_t i = begin; i < std::min(begin + batch_size, train.size()); ++i) {
        indices.push_back(train.indices[static_cast<size_t>(order[static_cast<size_t>(i)])]);
      }
      tokens += train.dataset->collate(indices).input_ids.numel();
    }
    const double collate_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - collate_start).count();
    fmt::print(
        "{{\"examples\": {}, \"load_and_tokenize_seconds\": {:.4f}, \"sentences_per_second\": {:.1f}, "
        "\"train_examples\": {}, \"collate_epoch_seconds\": {:.4f}, \"padded_tokens\": {}}}\n",
        examples, load_seconds, static_cast<double>(examples) / load_seconds, train.size(), collate_seconds, tokens);
  } catch (const attune::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return e.exit_code();
  }
  return 0;
}
