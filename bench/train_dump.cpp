// For the training-throughput benchmark: writes what the Python baseline
// needs to train exactly what attune trains. Builds the experiment as
// `attune train` does and saves, with torch::pickle_save (torch.load reads it):
//   OUT/initial.pt  {parameter name: tensor}, the initial weights
//   OUT/batches.pt  {"input_ids.i", "attention_mask.i", "labels.i": tensor}
//                   for the first epoch's batches, in the trainer's order
//   OUT/config.json the resolved experiment (overrides applied)
// Prints one JSON line with the model and data sizes.
#include <fmt/format.h>
#include <torch/serialize.h>

#include <ATen/Parallel.h>

#include <fstream>

#include "core/config/yaml_json.h"
#include "core/data/permutation.h"
#include "core/error.h"
#include "core/experiment/experiment.h"

namespace {

void save(const c10::Dict<std::string, at::Tensor>& dict, const std::string& path) {
  const std::vector<char> bytes = torch::pickle_save(dict);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "usage: bench_train_dump EXP.yaml OUT_DIR [k=v ...]\n");
    return 2;
  }
  try {
    const std::vector<std::string> overrides(argv + 3, argv + argc);
    const auto loaded = attune::load_experiment(argv[1], overrides);
    attune::Experiment e = attune::build_experiment(loaded);
    const std::string out = argv[2];

    c10::Dict<std::string, at::Tensor> initial;
    for (const auto& p : e.model->named_parameters()) initial.insert(p.key(), p.value().detach().clone());
    save(initial, out + "/initial.pt");

    // The trainer's epoch-1 order (Trainer::train_epoch).
    const auto seed = static_cast<uint64_t>(loaded.config.seed);
    const auto order = attune::seeded_permutation(e.train_data.size(), attune::mix_seed(seed, 1000000 + 1));
    const int64_t batch_size = loaded.config.train.batch_size;
    c10::Dict<std::string, at::Tensor> batches;
    for (int64_t step = 0; step < e.steps_per_epoch; ++step) {
      std::vector<int64_t> indices;
      for (int64_t i = step * batch_size; i < std::min((step + 1) * batch_size, e.train_data.size()); ++i) {
        indices.push_back(e.train_data.indices[static_cast<size_t>(order[static_cast<size_t>(i)])]);
      }
      const attune::Batch batch = e.train_data.dataset->collate(indices);
      batches.insert(fmt::format("input_ids.{}", step), batch.input_ids);
      batches.insert(fmt::format("attention_mask.{}", step), batch.attention_mask);
      batches.insert(fmt::format("labels.{}", step), batch.labels);
    }
    save(batches, out + "/batches.pt");
    // Read back from its text, as a run's config.yaml is, so that its scalars take their YAML types.
    const YAML::Node resolved = YAML::Load(YAML::Dump(loaded.resolved));
    std::ofstream(out + "/config.json") << attune::yaml_to_json(resolved).dump(2) << "\n";
    const auto spec = e.data->spec();
    fmt::print(
        "{{\"steps\": {}, \"examples\": {}, \"vocab_size\": {}, \"max_length\": {}, \"num_classes\": {}, "
        "\"pad_id\": {}, \"threads\": {}}}\n",
        e.steps_per_epoch, e.train_data.size(), spec.vocab_size, spec.max_length, spec.num_classes, spec.pad_id,
        at::get_num_threads());
  } catch (const attune::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return e.exit_code();
  }
  return 0;
}
