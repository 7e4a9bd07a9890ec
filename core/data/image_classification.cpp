// `image_classification`: labelled images stored one per row of a CSV/TSV file
// (pixel values, then or among them a label column), such as scikit-learn's
// 8x8 handwritten digits in data/digits/.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>

#include "core/data/dataset.h"
#include "core/data/image_dataset.h"
#include "core/data/label_names.h"
#include "core/io/table_reader.h"
#include "core/text/suggest.h"
#include "core/text/text_fields.h"

namespace attune {
namespace {

struct ImageClassificationOptions {
  std::string train;
  std::string valid;
  double valid_fraction = 0.2;
  TableFormat format = TableFormat::automatic;
  bool header = false;
  int64_t label_column = -1;
  std::vector<int64_t> image_shape = {1, 8, 8};
  double scale = 0.0625;
  static void declare(config::Schema<ImageClassificationOptions>& s) {
    using O = ImageClassificationOptions;
    s.field("train", &O::train, "training file (.csv, .tsv, optionally .gz): one image per row")
        .required()
        .path(config::PathKind::training_data);
    s.field("valid", &O::valid, "validation file; empty = hold out valid_fraction of train")
        .path(config::PathKind::training_data);
    s.field("valid_fraction", &O::valid_fraction, "share of train held out when there is no valid file")
        .greater_than(0)
        .less_than(1);
    s.field("format", &O::format, "file format; auto = by extension");
    s.field("header", &O::header, "whether the first row is a header (skipped)");
    s.field("label_column", &O::label_column, "0-based index of the label column; negative counts from the end");
    s.field("image_shape", &O::image_shape,
            "[channels, height, width]; the other columns are the pixels, channel-major then row-major")
        .greater_than(0);
    s.field("scale", &O::scale, "multiplied into every pixel value (1/16 maps the digits' 0..16 to 0..1)")
        .greater_than(0);
    s.check("image_shape", [](const O& o) -> std::string {
      if (o.image_shape.size() == 3) return "";
      return fmt::format("expected [channels, height, width], got {} numbers", o.image_shape.size());
    });
  }
};

class ImageClassificationData : public SplitDataModule {
 public:
  using Options = ImageClassificationOptions;

  ImageClassificationData(const Options& options, const DataArgs& args) : options_(options) {
    if (args.inputs_only) {
      label_names_ = args.label_names;
      return;
    }
    const Table train_table = read_table(options.train);
    const size_t label_column = label_column_of(train_table);
    if (!args.label_names.empty()) {
      label_names_ = args.label_names;
    } else {
      std::vector<std::string> labels;
      for (size_t r = 0; r < train_table.rows(); ++r) labels.push_back(train_table.cell(r, label_column));
      label_names_ = sorted_label_names(std::move(labels));
    }
    if (label_names_.size() < 2) {
      input_error("{}: label column {} holds a single label `{}`: classification needs at least two", options.train,
                  label_column, label_names_.front());
    }
    auto train = read(train_table);
    std::shared_ptr<Dataset> valid;
    if (!options.valid.empty()) valid = read(read_table(options.valid));
    set_splits(std::move(train), std::move(valid), options.valid_fraction, args.seed);
  }

  DataSpec spec() const override {
    DataSpec spec;
    spec.num_classes = static_cast<int64_t>(label_names_.size());
    spec.image_shape = options_.image_shape;
    return spec;
  }

  std::shared_ptr<Dataset> read_file(const std::string& path, Labels labels) const override {
    return read(read_table(path), labels);
  }

 private:
  Table read_table(const std::string& path) const { return Table::read(path, options_.format, options_.header); }

  // The label column's index in `table`, checked against its width.
  size_t label_column_of(const Table& table) const {
    const auto columns = static_cast<int64_t>(table.columns());
    const int64_t index = options_.label_column < 0 ? columns + options_.label_column : options_.label_column;
    if (index < 0 || index >= columns) {
      input_error("{}:{}: label_column {} is out of range: the rows have {} columns (0..{}, or -1 for the last)",
                  table.path(), table.line(0), options_.label_column, columns, columns - 1);
    }
    return static_cast<size_t>(index);
  }

  // Rows to predict may come without their label column: then every column is a pixel.
  std::shared_ptr<ImageDataset> read(const Table& table, Labels labels = Labels::required) const {
    const std::vector<int64_t>& shape = options_.image_shape;
    const int64_t pixels_per_image = shape[0] * shape[1] * shape[2];
    const bool unlabelled = labels == Labels::ignored && static_cast<int64_t>(table.columns()) == pixels_per_image;
    const size_t label_column = unlabelled ? table.columns() : label_column_of(table);
    const auto pixel_columns = static_cast<int64_t>(table.columns()) - (unlabelled ? 0 : 1);
    if (pixel_columns != pixels_per_image) {
      input_error("{}:{}: image_shape [{}, {}, {}] has {} pixels, but the rows have {} columns besides the label",
                  table.path(), table.line(0), shape[0], shape[1], shape[2], pixels_per_image, pixel_columns);
    }
    std::map<std::string, int64_t> label_ids;
    for (size_t i = 0; i < label_names_.size(); ++i) label_ids[label_names_[i]] = static_cast<int64_t>(i);

    const auto rows = static_cast<int64_t>(table.rows());
    torch::Tensor pixels = torch::empty({rows, shape[0], shape[1], shape[2]}, torch::kFloat);
    float* out = pixels.data_ptr<float>();
    std::vector<int64_t> label_ids_of_rows;
    label_ids_of_rows.reserve(table.rows());
    for (size_t r = 0; r < table.rows(); ++r) {
      if (labels == Labels::ignored) {
        label_ids_of_rows.push_back(-1);
      } else {
        const std::string& label = table.cell(r, label_column);
        auto it = label_ids.find(label);
        if (it == label_ids.end()) {
          input_error("{}:{}: label `{}` is not among the training labels {}", table.path(), table.line(r), label,
                      quoted_list(label_names_));
        }
        label_ids_of_rows.push_back(it->second);
      }
      for (size_t c = 0; c < table.columns(); ++c) {
        if (c == label_column) continue;
        double value = 0.0;
        if (!parse_number(table.cell(r, c), value) || !std::isfinite(value)) {
          input_error("{}:{}: column {}: expected a number for a pixel, got `{}`", table.path(), table.line(r), c,
                      table.cell(r, c));
        }
        *out++ = static_cast<float>(value * options_.scale);
      }
    }
    return std::make_shared<ImageDataset>(std::move(pixels), std::move(label_ids_of_rows));
  }

  Options options_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_DATASET("image_classification", attune::ImageClassificationData,
                        "labelled images, one per row of pixel values, from CSV/TSV files")
