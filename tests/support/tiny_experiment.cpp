#include "tests/support/tiny_experiment.h"

#include <fstream>

namespace attune::testing {

std::string write_tiny_experiment(const TempDir& dir, size_t train_rows, const std::string& extra) {
  std::ifstream in(source_dir() + "/data/sst2/dev.tsv");
  std::string header, line, train, valid;
  std::getline(in, header);
  for (size_t i = 0; i < train_rows + 32 && std::getline(in, line); ++i)
    (i < train_rows ? train : valid) += line + "\n";
  write_text(dir.file("train.tsv"), header + "\n" + train);
  write_text(dir.file("valid.tsv"), header + "\n" + valid);
  const std::string path = dir.file("tiny.yaml");
  write_text(path,
             "name: tiny\n"
             "seed: 3\n"
             "data:\n"
             "  type: text_classification\n"
             "  train: train.tsv\n"
             "  valid: valid.tsv\n"
             "  tokenizer: {type: wordpiece, vocab: " +
                 source_dir() +
                 "/data/vocab/bert-base-uncased.txt}\n"
                 "  max_length: 48\n"
                 "model: {type: transformer_classifier, hidden_dim: 16, num_heads: 2, num_layers: 1, ff_dim: 32, "
                 "dropout: 0.1}\n"
                 "optimizer: {type: adamw, lr: 0.003}\n"
                 "scheduler: {type: cosine, warmup_steps: 4}\n"
                 "train: {epochs: 3, batch_size: 16, grad_clip_norm: 1.0, progress: none}\n" +
                 extra);
  return path;
}

}  // namespace attune::testing
