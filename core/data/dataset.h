#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/data/batch.h"
#include "core/registry/component.h"
#include "core/registry/registry.h"

namespace attune {

/// Labelled examples that can be gathered into batches.
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  /// The class id of example `index`.
  virtual int64_t label(int64_t index) const = 0;
  /// The examples at `indices`, padded to the longest among them.
  virtual Batch collate(const std::vector<int64_t>& indices) const = 0;
  /// How many examples were cut to the data's max_length when read.
  virtual int64_t truncated_examples() const { return 0; }
};

/// Whether a file read after training carries labels: `attune eval` scores
/// them, `attune predict` needs none and ignores a label column if there is one
/// (its examples get the label -1).
enum class Labels { required, ignored };

/// Some examples of a dataset: a split, a fold, a rank's shard.
struct Subset {
  const Dataset* dataset = nullptr;
  std::vector<int64_t> indices;
  int64_t size() const { return static_cast<int64_t>(indices.size()); }
};

/// What the model learns to predict: a class, or a value.
enum class Task { classification, regression };
/// "classification" or "regression", for messages.
inline const char* task_name(Task task) {
  return task == Task::classification ? "classification" : "regression";
}

/// What the data tells the model about its inputs and outputs.
struct DataSpec {
  Task task = Task::classification;
  int64_t num_classes = 0;           // the head's outputs: the classes, or 1 for a regression
  int64_t vocab_size = 0;            // text
  int64_t pad_id = 0;                // text
  int64_t max_length = 0;            // text: longest sequence in tokens
  std::vector<int64_t> image_shape;  // images: {channels, height, width}
};

/// The `data:` section built: a training and a validation split plus what
/// the model needs to know (PyTorch Lightning's DataModule).
class DataModule {
 public:
  virtual ~DataModule() = default;
  virtual Subset train() const = 0;
  virtual Subset valid() const = 0;
  /// Class names by id, as saved with the run.
  virtual const std::vector<std::string>& label_names() const = 0;
  virtual DataSpec spec() const = 0;
  /// Reads another file in the training file's format, with the same label
  /// mapping (`attune eval --data`, `attune predict --data`).
  virtual std::shared_ptr<Dataset> read_file(const std::string& path, Labels labels) const = 0;
  /// Unlabelled examples from single texts, one per line of `attune predict
  /// --data -`; an InputError for data that is not text.
  virtual std::shared_ptr<Dataset> encode_texts(const std::vector<std::string>& texts) const;
};

/// A data module whose validation split is a file of its own or a seeded
/// held-out share of the training file (the classification datasets).
class SplitDataModule : public DataModule {
 public:
  Subset train() const override { return {train_.get(), train_indices_}; }
  Subset valid() const override { return {valid_.get(), valid_indices_}; }
  const std::vector<std::string>& label_names() const override { return label_names_; }

 protected:
  /// Without a `valid` dataset (nullptr), `valid_fraction` of `train` is
  /// held out by a shuffle seeded with `seed`.
  void set_splits(std::shared_ptr<Dataset> train, std::shared_ptr<Dataset> valid, double valid_fraction, uint64_t seed);

  std::vector<std::string> label_names_;

 private:
  std::shared_ptr<Dataset> train_, valid_;
  std::vector<int64_t> train_indices_, valid_indices_;
};

/// What a data module factory gets besides its options.
struct DataArgs {
  uint64_t seed = 0;
  /// Label names of an earlier run (resume, eval): keep their ids.
  std::vector<std::string> label_names;
  /// Build only what reading new inputs needs (the tokenizer, the labels,
  /// the spec): the training files are not read and the splits stay empty.
  /// Needs `label_names` (predict, export, eval of an export).
  bool inputs_only = false;
};

/// Registry traits for data modules (`data.type`).
struct DataKind {
  using Base = DataModule;
  using Args = DataArgs;
  static constexpr const char* kName = "dataset";
  static constexpr const char* kPlural = "datasets";
};
template <>
Registry<DataKind>& registry<DataKind>();

/// `count` indices of a split of `size` examples chosen by a seeded shuffle,
/// and the rest: how data modules make a validation split from one file.
std::pair<std::vector<int64_t>, std::vector<int64_t>> split_indices(int64_t size, double fraction, uint64_t seed);

}  // namespace attune

#define ATTUNE_REGISTER_DATASET(NAME, CLASS, HELP) ATTUNE_REGISTER(::attune::DataKind, NAME, CLASS, HELP)
