// `text_classification`: labelled texts (or text pairs) from TSV/CSV files.
#include <algorithm>
#include <charconv>
#include <map>

#include "core/data/dataset.h"
#include "core/data/table_reader.h"
#include "core/data/text_dataset.h"
#include "core/data/tokenizer.h"
#include "core/text/suggest.h"

namespace attune {
namespace {

struct TextClassificationOptions {
  std::string train;
  std::string valid;
  double valid_fraction = 0.1;
  std::string format = "auto";
  std::string text_column = "sentence";
  std::string text_pair_column;
  std::string label_column = "label";
  Component<TokenizerKind> tokenizer{"wordpiece"};
  int64_t max_length = 128;
  static void declare(config::Schema<TextClassificationOptions>& s) {
    using O = TextClassificationOptions;
    s.field("train", &O::train, "training file (.tsv, .csv, optionally .gz) with a header row")
        .required()
        .path();
    s.field("valid", &O::valid, "validation file; empty = hold out valid_fraction of train").path();
    s.field("valid_fraction", &O::valid_fraction, "share of train held out when there is no valid file")
        .greater_than(0)
        .less_than(1);
    s.field("format", &O::format, "file format; auto = by extension").one_of({"auto", "tsv", "csv"});
    s.field("text_column", &O::text_column, "column holding the text");
    s.field("text_pair_column", &O::text_pair_column, "column holding the second text of a pair (optional)");
    s.field("label_column", &O::label_column, "column holding the label (any strings)");
    s.field("tokenizer", &O::tokenizer, "tokenizer: {type: wordpiece, vocab: ...}");
    s.field("max_length", &O::max_length, "longest sequence in tokens, [CLS] and [SEP] included")
        .at_least(3);
  }
};

bool parse_integer(const std::string& text, int64_t& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

// Integer labels sort as numbers ("2" before "10"), others as strings.
std::vector<std::string> sorted_labels(std::vector<std::string> labels) {
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  int64_t a = 0, b = 0;
  const bool numeric = std::all_of(labels.begin(), labels.end(), [&](const auto& l) { return parse_integer(l, a); });
  if (numeric) {
    std::sort(labels.begin(), labels.end(), [&](const auto& x, const auto& y) {
      parse_integer(x, a);
      parse_integer(y, b);
      return a < b;
    });
  }
  return labels;
}

class TextClassificationData : public DataModule {
 public:
  using Options = TextClassificationOptions;

  TextClassificationData(const Options& options, const DataArgs& args) : options_(options) {
    tokenizer_ = options.tokenizer.create({});
    const Table train_table = Table::read(options.train, options.format);
    if (!args.label_names.empty()) {
      label_names_ = args.label_names;
    } else {
      const size_t label_column = train_table.column(options.label_column, "label_column");
      std::vector<std::string> labels;
      for (size_t r = 0; r < train_table.rows(); ++r) labels.push_back(train_table.cell(r, label_column));
      label_names_ = sorted_labels(std::move(labels));
    }
    if (label_names_.size() < 2) {
      input_error("{}: column `{}` holds a single label `{}`: classification needs at least two",
                  options.train, options.label_column, label_names_.front());
    }
    train_ = read(train_table);
    if (!options.valid.empty()) {
      valid_ = read(Table::read(options.valid, options.format));
      train_indices_ = all_indices(*train_);
      valid_indices_ = all_indices(*valid_);
    } else {
      valid_ = train_;
      std::tie(train_indices_, valid_indices_) = split_indices(train_->size(), options.valid_fraction, args.seed);
    }
  }

  Subset train() const override { return {train_.get(), train_indices_}; }
  Subset valid() const override { return {valid_.get(), valid_indices_}; }
  const std::vector<std::string>& label_names() const override { return label_names_; }

  DataSpec spec() const override {
    DataSpec spec;
    spec.num_classes = static_cast<int64_t>(label_names_.size());
    spec.vocab_size = tokenizer_->vocab_size();
    spec.pad_id = tokenizer_->pad_id();
    spec.max_length = options_.max_length;
    return spec;
  }

  std::shared_ptr<Dataset> load_extra(const std::string& path) const override {
    return read(Table::read(path, options_.format));
  }

 private:
  std::shared_ptr<TextDataset> read(const Table& table) const {
    const size_t text_column = table.column(options_.text_column, "text_column");
    const size_t label_column = table.column(options_.label_column, "label_column");
    std::optional<size_t> pair_column;
    if (!options_.text_pair_column.empty()) pair_column = table.column(options_.text_pair_column, "text_pair_column");
    std::map<std::string, int64_t> label_ids;
    for (size_t i = 0; i < label_names_.size(); ++i) label_ids[label_names_[i]] = static_cast<int64_t>(i);

    auto dataset = std::make_shared<TextDataset>(tokenizer_->pad_id(), pair_column.has_value());
    for (size_t r = 0; r < table.rows(); ++r) {
      const std::string& label = table.cell(r, label_column);
      auto it = label_ids.find(label);
      if (it == label_ids.end()) {
        input_error("{}:{}: label `{}` is not among the training labels {}", table.path(), table.line(r),
                    label, quoted_list(label_names_));
      }
      EncodedIds encoded;
      try {
        std::optional<std::string_view> pair;
        if (pair_column) pair = table.cell(r, *pair_column);
        encoded = tokenizer_->encode(table.cell(r, text_column), pair, options_.max_length);
      } catch (const InputError& e) {
        input_error("{}:{}: {}", table.path(), table.line(r), e.what());
      }
      dataset->add(encoded, it->second);
    }
    return dataset;
  }

  static std::vector<int64_t> all_indices(const Dataset& dataset) {
    std::vector<int64_t> indices(static_cast<size_t>(dataset.size()));
    for (size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<int64_t>(i);
    return indices;
  }

  Options options_;
  std::shared_ptr<Tokenizer> tokenizer_;
  std::vector<std::string> label_names_;
  std::shared_ptr<TextDataset> train_, valid_;
  std::vector<int64_t> train_indices_, valid_indices_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_DATASET("text_classification", attune::TextClassificationData,
                        "labelled texts or text pairs from TSV/CSV files")
