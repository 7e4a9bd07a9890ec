#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "core/experiment/experiment_config.h"
#include "core/io/table_reader.h"
#include "tests/support/test_support.h"

namespace attune {
namespace image_classification_test {

using testing::TempDir;

std::string digits() {
  return testing::source_dir() + "/data/digits/digits.csv.gz";
}

std::shared_ptr<DataModule> make_data(const TempDir& dir, const std::string& options, uint64_t seed = 7) {
  const config::Context ctx(dir.file("exp.yaml"), dir.path());
  const auto component =
      config::Codec<Component<DataKind>>::parse(YAML::Load("{type: image_classification, " + options + "}"), ctx);
  return component.create({seed, {}});
}

std::string error_of(const TempDir& dir, const std::string& options) {
  try {
    make_data(dir, options);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// The digits CSV read with zlib alone, independently of attune's reader.
std::vector<std::vector<int>> raw_digits() {
  gzFile file = gzopen(digits().c_str(), "rb");
  EXPECT_NE(file, nullptr);
  std::string content;
  char buffer[4096];
  int n = 0;
  while ((n = gzread(file, buffer, sizeof(buffer))) > 0) content.append(buffer, static_cast<size_t>(n));
  gzclose(file);
  std::vector<std::vector<int>> rows;
  std::istringstream lines(content);
  std::string line, cell;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    rows.emplace_back();
    while (std::getline(cells, cell, ',')) rows.back().push_back(std::stoi(cell));
  }
  return rows;
}

TEST(ImageClassification, ReadsTheShippedDigitsWithTheirCounts) {
  TempDir dir;
  auto data = make_data(dir, "train: " + digits());
  EXPECT_EQ(data->train().size(), 1438);
  EXPECT_EQ(data->valid().size(), 359);
  EXPECT_EQ(data->label_names(), (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
  const DataSpec spec = data->spec();
  EXPECT_EQ(spec.num_classes, 10);
  EXPECT_EQ(spec.image_shape, (std::vector<int64_t>{1, 8, 8}));
  EXPECT_EQ(spec.vocab_size, 0);
  // Class counts from data/digits/README.md, over both splits of the one file.
  const Dataset& dataset = *data->train().dataset;
  EXPECT_EQ(dataset.size(), 1797);
  std::vector<int64_t> counts(10, 0);
  for (int64_t i = 0; i < dataset.size(); ++i) ++counts[dataset.label(i)];
  EXPECT_EQ(counts, (std::vector<int64_t>{178, 182, 177, 183, 181, 182, 181, 179, 174, 180}));
}

TEST(ImageClassification, SplitIsDisjointSeededAndReproducible) {
  TempDir dir;
  auto a = make_data(dir, "train: " + digits());
  auto b = make_data(dir, "train: " + digits());
  auto other_seed = make_data(dir, "train: " + digits(), 8);
  EXPECT_EQ(a->train().indices, b->train().indices);
  EXPECT_EQ(a->valid().indices, b->valid().indices);
  EXPECT_NE(a->valid().indices, other_seed->valid().indices);
  EXPECT_EQ(a->train().dataset, a->valid().dataset);  // one file, two index lists
  std::vector<int64_t> all = a->train().indices;
  const Subset valid = a->valid();
  all.insert(all.end(), valid.indices.begin(), valid.indices.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  ASSERT_EQ(all.size(), 1797u);
  EXPECT_EQ(all.front(), 0);
  EXPECT_EQ(all.back(), 1796);
}

TEST(ImageClassification, PixelsAreTheFileTimesTheScale) {
  TempDir dir;
  auto data = make_data(dir, "train: " + digits());
  const auto raw = raw_digits();
  ASSERT_EQ(raw.size(), 1797u);
  const std::vector<int64_t> rows = {0, 1, 42, 1796};
  const Batch batch = data->train().dataset->collate(rows);
  ASSERT_EQ(batch.pixels.sizes(), (std::vector<int64_t>{4, 1, 8, 8}));
  EXPECT_EQ(batch.pixels.scalar_type(), torch::kFloat);
  EXPECT_TRUE(batch.pixels.is_contiguous());
  EXPECT_FALSE(batch.input_ids.defined());
  ASSERT_EQ(batch.labels.sizes(), (std::vector<int64_t>{4}));
  for (size_t b = 0; b < rows.size(); ++b) {
    const auto& row = raw[static_cast<size_t>(rows[b])];
    ASSERT_EQ(row.size(), 65u);
    EXPECT_EQ(batch.labels[b].item<int64_t>(), row[64]);  // labels "0".."9" map to ids 0..9
    for (int i = 0; i < 64; ++i) {
      EXPECT_FLOAT_EQ(batch.pixels[b][0][i / 8][i % 8].item<float>(), row[i] / 16.0f) << "row " << rows[b];
    }
  }
  // Row 0 of the file, pixel (0, 2), is 5.
  EXPECT_FLOAT_EQ(batch.pixels[0][0][0][2].item<float>(), 5 * 0.0625f);

  const Subset train = data->train();
  const Batch first = train.dataset->collate(std::vector<int64_t>(train.indices.begin(), train.indices.begin() + 64));
  EXPECT_EQ(first.pixels.sizes(), (std::vector<int64_t>{64, 1, 8, 8}));
  EXPECT_LE(first.pixels.max().item<float>(), 1.0f);
  EXPECT_GE(first.pixels.min().item<float>(), 0.0f);
}

TEST(ImageClassification, HeaderLabelColumnShapeAndValidFile) {
  TempDir dir;
  // Label first, two channels of 1x2 pixels, a header row.
  testing::write_text(dir.file("t.csv"), "label,a,b,c,d\n10,1,2,3,4\n2,5,6,7,8\n10,0,0,0,0\n");
  testing::write_text(dir.file("v.csv"), "label,a,b,c,d\n2,9,9,9,9\n");
  auto data = make_data(dir,
                        "train: t.csv, valid: v.csv, header: true, label_column: 0, image_shape: [2, 1, 2], "
                        "scale: 0.5");
  EXPECT_EQ(data->label_names(), (std::vector<std::string>{"2", "10"}));
  EXPECT_EQ(data->train().size(), 3);
  EXPECT_EQ(data->valid().size(), 1);
  const Batch batch = data->train().dataset->collate({1, 0});
  const auto expected = torch::tensor({2.5f, 3.0f, 3.5f, 4.0f, 0.5f, 1.0f, 1.5f, 2.0f}).view({2, 2, 1, 2});
  EXPECT_TRUE(torch::equal(batch.pixels, expected)) << batch.pixels;
  EXPECT_TRUE(torch::equal(batch.labels, torch::tensor({0, 1}, torch::kLong)));
  const auto extra = data->read_file(dir.file("v.csv"), attune::Labels::required);
  EXPECT_EQ(extra->label(0), 0);
}

TEST(ImageClassification, BadInputsGiveErrorsWithFileAndLine) {
  TempDir dir;
  const std::string shape = ", image_shape: [1, 2, 2]";
  testing::write_text(dir.file("ok.csv"), "1,2,3,4,0\n4,3,2,1,1\n");
  EXPECT_EQ(error_of(dir, "train: ok.csv, valid: ok.csv" + shape), "");

  testing::write_text(dir.file("text.csv"), "1,2,3,4,0\n4,x3,2,1,1\n");
  const std::string text = error_of(dir, "train: text.csv" + shape);
  EXPECT_NE(text.find("text.csv:2: column 1: expected a number for a pixel, got `x3`"), std::string::npos) << text;
  testing::write_text(dir.file("nan.csv"), "1,2,3,4,0\n4,3,nan,1,1\n");
  EXPECT_NE(error_of(dir, "train: nan.csv" + shape).find("nan.csv:2:"), std::string::npos);

  testing::write_text(dir.file("ragged.csv"), "1,2,3,4,0\n4,3,2,1,1\n\n4,3,1\n");
  const std::string ragged = error_of(dir, "train: ragged.csv" + shape);
  EXPECT_NE(ragged.find("ragged.csv:4: expected 5 fields as in the first row, got 3"), std::string::npos) << ragged;

  const std::string mismatch = error_of(dir, "train: ok.csv, image_shape: [1, 3, 3]");
  EXPECT_NE(mismatch.find("ok.csv:1: image_shape [1, 3, 3] has 9 pixels, but the rows have 4 columns besides"),
            std::string::npos)
      << mismatch;
  EXPECT_NE(error_of(dir, "train: " + digits() + ", image_shape: [1, 8, 4]").find("digits.csv.gz:1: image_shape"),
            std::string::npos);

  const std::string range = error_of(dir, "train: ok.csv, label_column: 5" + shape);
  EXPECT_NE(range.find("ok.csv:1: label_column 5 is out of range: the rows have 5 columns"), std::string::npos)
      << range;
  EXPECT_NE(error_of(dir, "train: ok.csv, label_column: -6" + shape).find("ok.csv:1: label_column -6"),
            std::string::npos);

  testing::write_text(dir.file("unseen.csv"), "1,2,3,4,7\n");
  EXPECT_NE(error_of(dir, "train: ok.csv, valid: unseen.csv" + shape)
                .find("unseen.csv:1: label `7` is not among the training labels"),
            std::string::npos);
  testing::write_text(dir.file("one.csv"), "1,2,3,4,0\n4,3,2,1,0\n");
  EXPECT_NE(error_of(dir, "train: one.csv" + shape).find("holds a single label `0`"), std::string::npos);
  EXPECT_NE(error_of(dir, "train: ok.csv, image_shape: [4]").find("expected [channels, height, width]"),
            std::string::npos);
}

TEST(TableReader, WithoutAHeaderColumnsAreIndices) {
  TempDir dir;
  testing::write_text(dir.file("t.tsv"), "a\tb\nc\td\n");
  const Table table = Table::read(dir.file("t.tsv"), TableFormat::automatic, /*has_header=*/false);
  EXPECT_EQ(table.rows(), 2u);
  EXPECT_EQ(table.columns(), 2u);
  EXPECT_TRUE(table.header().empty());
  EXPECT_EQ(table.cell(0, 0), "a");
  EXPECT_EQ(table.line(1), 2u);
  EXPECT_EQ(table.column("1", "label_column"), 1u);
  try {
    table.column("label", "label_column");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("must be a column index from 0 to 1"), std::string::npos) << e.what();
  }
  const Table with_header = Table::read(dir.file("t.tsv"));
  EXPECT_EQ(with_header.rows(), 1u);
  EXPECT_EQ(with_header.columns(), 2u);
  EXPECT_EQ(with_header.column("b", "label_column"), 1u);
}

}  // namespace image_classification_test
}  // namespace attune
