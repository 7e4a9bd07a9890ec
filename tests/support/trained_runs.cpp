#include "tests/support/trained_runs.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "tests/support/tiny_experiment.h"

namespace attune::testing {
namespace {

const char* name_of(TinyModel model) {
  switch (model) {
    case TinyModel::transformer:
      return "transformer";
    case TinyModel::bert:
      return "bert";
    case TinyModel::vit:
      return "vit";
  }
  return "";
}

// The binary's size and time: a rebuilt attune trains the runs again.
std::string binary_stamp() {
  const auto path = std::filesystem::path(attune_binary());
  return std::to_string(std::filesystem::file_size(path)) + " " +
         std::to_string(std::filesystem::last_write_time(path).time_since_epoch().count());
}

std::string sentences_experiment(const std::string& dir, const std::string& model) {
  std::ifstream in(source_dir() + "/data/sst2/dev.tsv");
  std::string header, line, train, valid;
  std::getline(in, header);
  for (size_t i = 0; i < 96 && std::getline(in, line); ++i) (i < 64 ? train : valid) += line + "\n";
  write_text(dir + "/train.tsv", header + "\n" + train);
  write_text(dir + "/valid.tsv", header + "\n" + valid);
  return "name: tiny\nseed: 3\n"
         "data:\n  type: text_classification\n  train: train.tsv\n  valid: valid.tsv\n"
         "  tokenizer: {type: wordpiece, vocab: " +
         source_dir() + "/data/vocab/bert-base-uncased.txt}\n  max_length: 48\n" + model +
         "optimizer: {type: adamw, lr: 0.003}\n"
         "train: {epochs: 2, batch_size: 16, progress: none}\n";
}

std::string experiment_of(TinyModel model, const std::string& dir) {
  switch (model) {
    case TinyModel::transformer:
      return sentences_experiment(dir,
                                  "model: {type: transformer_classifier, hidden_dim: 16, num_heads: 2, num_layers: 2, "
                                  "ff_dim: 32, dropout: 0.1}\n");
    case TinyModel::bert:
      return sentences_experiment(dir,
                                  "model: {type: bert_classifier, pretrained: " + fixtures_dir() + "/bert-tiny}\n");
    case TinyModel::vit:
      return "name: tiny-vit\nseed: 3\n"
             "data: {type: image_classification, train: " +
             source_dir() +
             "/data/digits/digits.csv.gz, valid_fraction: 0.2}\n"
             "model: {type: vit, patch_size: 2, hidden_dim: 16, num_heads: 2, num_layers: 2, ff_dim: 32, "
             "norm_first: true, pooling: cls}\n"
             "optimizer: {type: adamw, lr: 0.003}\n"
             "train: {epochs: 1, batch_size: 64, progress: none}\n";
  }
  return "";
}

}  // namespace

std::string tiny_run(TinyModel model) {
  const std::string dir = std::filesystem::absolute(std::string("trained_runs/") + name_of(model)).string();
  std::filesystem::create_directories(dir);
  const int lock = open((dir + ".lock").c_str(), O_CREAT | O_RDWR, 0644);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) throw std::runtime_error("cannot lock " + dir + ".lock");
  const std::string run = dir + "/run", stamp = binary_stamp();
  const bool current = std::filesystem::exists(run + "/checkpoints/best.pt") &&
                       std::filesystem::exists(dir + "/stamp") && read_text(dir + "/stamp") == stamp;
  if (!current) {
    std::filesystem::remove_all(run);
    write_text(dir + "/exp.yaml", experiment_of(model, dir));
    const auto result = run_attune({"train", dir + "/exp.yaml", "--run-dir", run});
    if (result.exit_code != 0)
      throw std::runtime_error("training the tiny " + std::string(name_of(model)) + " run failed:\n" + result.err);
    write_text(dir + "/stamp", stamp);
  }
  flock(lock, LOCK_UN);
  close(lock);
  return run;
}

}  // namespace attune::testing
