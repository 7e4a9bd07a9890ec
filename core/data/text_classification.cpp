// `text_classification` and `text_regression`: texts (or text pairs) with a
// class label or a number, from TSV/CSV files.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "core/data/dataset.h"
#include "core/data/label_names.h"
#include "core/data/text_dataset.h"
#include "core/data/tokenizer.h"
#include "core/io/table_reader.h"
#include "core/text/suggest.h"

namespace attune {
namespace {

struct TextClassificationOptions {
  std::string train;
  std::string valid;
  double valid_fraction = 0.1;
  TableFormat format = TableFormat::automatic;
  std::string text_column = "sentence";
  std::string text_pair_column;
  std::string label_column = "label";
  Component<TokenizerKind> tokenizer{"wordpiece"};
  int64_t max_length = 128;
  static void declare(config::Schema<TextClassificationOptions>& s) {
    using O = TextClassificationOptions;
    s.field("train", &O::train, "training file (.tsv, .csv, optionally .gz) with a header row")
        .required()
        .path(config::PathKind::training_data);
    s.field("valid", &O::valid, "validation file; empty = hold out valid_fraction of train")
        .path(config::PathKind::training_data);
    s.field("valid_fraction", &O::valid_fraction, "share of train held out when there is no valid file")
        .greater_than(0)
        .less_than(1);
    s.field("format", &O::format, "file format; auto = by extension");
    s.field("text_column", &O::text_column, "column holding the text");
    s.field("text_pair_column", &O::text_pair_column, "column holding the second text of a pair (optional)");
    s.field("label_column", &O::label_column,
            "column holding the label (any strings), or for text_regression the target number");
    s.field("tokenizer", &O::tokenizer, "tokenizer: {type: wordpiece, vocab: ...}");
    s.field("max_length", &O::max_length, "longest sequence in tokens, [CLS] and [SEP] included").at_least(3);
  }
};

/// A number in a target column, or an InputError naming the line.
float parse_target(const Table& table, size_t row, size_t column, const std::string& column_name) {
  const std::string& cell = table.cell(row, column);
  double value = 0;
  const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (error != std::errc() || end != cell.data() + cell.size() || !std::isfinite(value)) {
    input_error("{}:{}: column `{}` holds `{}`: text_regression needs a finite number", table.path(), table.line(row),
                column_name, cell);
  }
  return static_cast<float>(value);
}

/// Texts from a table with a label (classification) or a number (regression).
class TextTableData : public SplitDataModule {
 public:
  using Options = TextClassificationOptions;

  TextTableData(const Options& options, const DataArgs& args, Task task) : options_(options), task_(task) {
    tokenizer_ = options.tokenizer.create({});
    if (args.inputs_only) {
      label_names_ = args.label_names;
      return;
    }
    const Table train_table = Table::read(options.train, options.format);
    if (task == Task::regression) {
      // labels.json of a regression is empty: no classes to name.
    } else if (!args.label_names.empty()) {
      label_names_ = args.label_names;
    } else {
      const size_t label_column = train_table.column(options.label_column, "label_column");
      std::vector<std::string> labels;
      for (size_t r = 0; r < train_table.rows(); ++r) labels.push_back(train_table.cell(r, label_column));
      label_names_ = sorted_label_names(std::move(labels));
    }
    if (task == Task::classification && label_names_.size() < 2) {
      input_error("{}: column `{}` holds a single label `{}`: classification needs at least two", options.train,
                  options.label_column, label_names_.front());
    }
    auto train = read(train_table);
    std::shared_ptr<Dataset> valid;
    if (!options.valid.empty()) valid = read(Table::read(options.valid, options.format));
    set_splits(std::move(train), std::move(valid), options.valid_fraction, args.seed);
  }

  DataSpec spec() const override {
    DataSpec spec;
    spec.task = task_;
    spec.num_classes = task_ == Task::regression ? 1 : static_cast<int64_t>(label_names_.size());
    spec.vocab_size = tokenizer_->vocab_size();
    spec.pad_id = tokenizer_->pad_id();
    spec.max_length = options_.max_length;
    return spec;
  }

  std::shared_ptr<Dataset> read_file(const std::string& path, Labels labels) const override {
    return read(Table::read(path, options_.format), labels);
  }

  std::shared_ptr<Dataset> encode_texts(const std::vector<std::string>& texts) const override {
    if (!options_.text_pair_column.empty()) {
      input_error("this run reads text pairs (`{}` and `{}`): give a file with both columns, not one text per line",
                  options_.text_column, options_.text_pair_column);
    }
    auto dataset = std::make_shared<TextDataset>(tokenizer_->pad_id(), false);
    for (const auto& text : texts) dataset->add(tokenizer_->encode(text, std::nullopt, options_.max_length), -1);
    return dataset;
  }

 private:
  std::shared_ptr<TextDataset> read(const Table& table, Labels labels = Labels::required) const {
    const size_t text_column = table.column(options_.text_column, "text_column");
    std::optional<size_t> label_column;
    if (labels == Labels::required) label_column = table.column(options_.label_column, "label_column");
    std::optional<size_t> pair_column;
    if (!options_.text_pair_column.empty()) pair_column = table.column(options_.text_pair_column, "text_pair_column");
    std::map<std::string, int64_t> label_ids;
    for (size_t i = 0; i < label_names_.size(); ++i) label_ids[label_names_[i]] = static_cast<int64_t>(i);

    auto dataset = std::make_shared<TextDataset>(tokenizer_->pad_id(), pair_column.has_value());
    for (size_t r = 0; r < table.rows(); ++r) {
      int64_t label = -1;
      std::optional<float> target;
      if (label_column && task_ == Task::regression) {
        target = parse_target(table, r, *label_column, options_.label_column);
      } else if (label_column) {
        auto it = label_ids.find(table.cell(r, *label_column));
        if (it == label_ids.end()) {
          input_error("{}:{}: label `{}` is not among the training labels {}", table.path(), table.line(r),
                      table.cell(r, *label_column), quoted_list(label_names_));
        }
        label = it->second;
      }
      if (labels == Labels::ignored && table.cell(r, text_column).empty()) {
        input_error("{}:{}: column `{}` is empty: there is no text to label", table.path(), table.line(r),
                    options_.text_column);
      }
      EncodedIds encoded;
      try {
        std::optional<std::string_view> pair;
        if (pair_column) pair = table.cell(r, *pair_column);
        encoded = tokenizer_->encode(table.cell(r, text_column), pair, options_.max_length);
      } catch (const InputError& e) {
        input_error("{}:{}: {}", table.path(), table.line(r), e.what());
      }
      if (target) {
        dataset->add_value(encoded, *target);
      } else {
        dataset->add(encoded, label);
      }
    }
    return dataset;
  }

  Options options_;
  Task task_;
  std::shared_ptr<Tokenizer> tokenizer_;
};

class TextClassificationData : public TextTableData {
 public:
  TextClassificationData(const Options& options, const DataArgs& args)
      : TextTableData(options, args, Task::classification) {}
};

class TextRegressionData : public TextTableData {
 public:
  TextRegressionData(const Options& options, const DataArgs& args) : TextTableData(options, args, Task::regression) {}
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_DATASET("text_classification", attune::TextClassificationData,
                        "labelled texts or text pairs from TSV/CSV files")
ATTUNE_REGISTER_DATASET("text_regression", attune::TextRegressionData,
                        "texts or text pairs with a number to predict (STS-B style), from TSV/CSV files")
