#include <gtest/gtest.h>

#include "core/experiment/experiment_config.h"
#include "core/io/table_reader.h"
#include "tests/support/test_support.h"

namespace attune {
namespace text_classification_test {

using testing::TempDir;

std::string vocab() {
  return testing::source_dir() + "/data/vocab/bert-base-uncased.txt";
}

std::shared_ptr<DataModule> make_data(const TempDir& dir, const std::string& options) {
  const config::Context ctx(dir.file("exp.yaml"), dir.path());
  const auto component = config::Codec<Component<DataKind>>::parse(
      YAML::Load("{type: text_classification, tokenizer: {vocab: " + vocab() + "}, " + options + "}"), ctx);
  return component.create({7, {}});
}

std::string error_of(const TempDir& dir, const std::string& options) {
  try {
    make_data(dir, options);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(TextClassification, ReadsShippedSst2WithItsCounts) {
  TempDir dir;
  auto data = make_data(dir, "train: " + testing::source_dir() + "/data/sst2/train_sentences.tsv, valid: " +
                                 testing::source_dir() + "/data/sst2/dev.tsv");
  // Counts from data/sst2/README.md.
  EXPECT_EQ(data->train().size(), 6920);
  EXPECT_EQ(data->valid().size(), 872);
  EXPECT_EQ(data->label_names(), (std::vector<std::string>{"0", "1"}));
  int64_t positive = 0;
  for (int64_t i : data->valid().indices) positive += data->valid().dataset->label(i);
  EXPECT_EQ(positive, 444);
  EXPECT_EQ(data->spec().vocab_size, 30522);
}

TEST(TextClassification, ReadsGzipAndPadsToTheLongestInTheBatch) {
  TempDir dir;
  auto data = make_data(dir, "train: " + testing::source_dir() + "/data/sst2/train.tsv.gz, valid_fraction: 0.01");
  EXPECT_EQ(data->train().size() + data->valid().size(), 67349);
  EXPECT_EQ(data->valid().size(), 673);
  const auto& train = data->train();
  const Batch batch = train.dataset->collate({train.indices[0], train.indices[1], train.indices[2]});
  // Row 0 of GLUE train: "hide new secretions from the parental units".
  EXPECT_EQ(batch.input_ids[0][0].item<int64_t>(), 101);  // [CLS]
  const auto lengths = batch.attention_mask.sum(1);
  EXPECT_EQ(batch.input_ids.size(1), lengths.max().item<int64_t>());
  for (int64_t r = 0; r < 3; ++r) {
    const int64_t length = lengths[r].item<int64_t>();
    EXPECT_EQ(batch.input_ids[r][length - 1].item<int64_t>(), 102);  // [SEP]
    for (int64_t t = length; t < batch.input_ids.size(1); ++t) EXPECT_EQ(batch.input_ids[r][t].item<int64_t>(), 0);
  }
}

TEST(TextClassification, CsvWithQuotesAndStringLabels) {
  TempDir dir;
  testing::write_text(dir.file("t.csv"),
                      "text,label\n\"a good, \"\"fine\"\" film\",pos\nbad film,neg\n\"multi\nline\",pos\nok,neutral\n");
  auto data = make_data(dir, "train: t.csv, valid: t.csv, text_column: text");
  EXPECT_EQ(data->label_names(), (std::vector<std::string>{"neg", "neutral", "pos"}));
  EXPECT_EQ(data->train().size(), 4);
  EXPECT_EQ(data->train().dataset->label(0), 2);
  EXPECT_EQ(data->train().dataset->label(3), 1);
  const Table table = Table::read(dir.file("t.csv"));
  EXPECT_EQ(table.cell(0, 0), "a good, \"fine\" film");
  EXPECT_EQ(table.cell(2, 0), "multi\nline");
  EXPECT_EQ(table.line(3), 6u);
}

TEST(TextClassification, NumericLabelsSortAsNumbers) {
  TempDir dir;
  testing::write_text(dir.file("t.tsv"), "sentence\tlabel\na\t10\nb\t2\nc\t1\n");
  auto data = make_data(dir, "train: t.tsv, valid: t.tsv");
  EXPECT_EQ(data->label_names(), (std::vector<std::string>{"1", "2", "10"}));
}

TEST(TextClassification, ValidationSplitIsSeededAndDisjoint) {
  TempDir dir;
  auto a = make_data(dir, "train: " + testing::source_dir() + "/data/sst2/dev.tsv, valid_fraction: 0.25");
  auto b = make_data(dir, "train: " + testing::source_dir() + "/data/sst2/dev.tsv, valid_fraction: 0.25");
  EXPECT_EQ(a->valid().indices, b->valid().indices);
  EXPECT_EQ(a->valid().size(), 218);
  std::vector<int64_t> all = a->train().indices;
  const Subset valid = a->valid();
  all.insert(all.end(), valid.indices.begin(), valid.indices.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  EXPECT_EQ(all.size(), 872u);
}

TEST(TextClassification, BadFilesGiveClearErrors) {
  TempDir dir;
  testing::write_text(dir.file("ragged.tsv"), "sentence\tlabel\na\t1\nb\n");
  EXPECT_NE(error_of(dir, "train: ragged.tsv").find("ragged.tsv:3: expected 2 fields as in the header, got 1"),
            std::string::npos);
  testing::write_text(dir.file("cols.tsv"), "text\tlabel\na\t1\nb\t0\n");
  EXPECT_NE(error_of(dir, "train: cols.tsv").find("cols.tsv:1: no column `sentence` for text_column"),
            std::string::npos);
  testing::write_text(dir.file("lab.tsv"), "sentence\tlabl\na\t1\nb\t0\n");
  EXPECT_NE(error_of(dir, "train: lab.tsv").find("no column `label` for label_column (did you mean `labl`?)"),
            std::string::npos);
  testing::write_text(dir.file("one.tsv"), "sentence\tlabel\na\t1\nb\t1\n");
  EXPECT_NE(error_of(dir, "train: one.tsv").find("holds a single label `1`"), std::string::npos);
  testing::write_text(dir.file("ok.tsv"), "sentence\tlabel\na\t1\nb\t0\n");
  testing::write_text(dir.file("unseen.tsv"), "sentence\tlabel\na\t1\nb\t7\n");
  EXPECT_NE(error_of(dir, "train: ok.tsv, valid: unseen.tsv")
                .find("unseen.tsv:3: label `7` is not among the training labels"),
            std::string::npos);
  testing::write_text(dir.file("header.tsv"), "sentence\tlabel\n");
  EXPECT_NE(error_of(dir, "train: header.tsv").find("no data rows after the header"), std::string::npos);
  testing::write_text(dir.file("empty.tsv"), "");
  EXPECT_NE(error_of(dir, "train: empty.tsv").find("empty file"), std::string::npos);
  testing::write_text(dir.file("bad.tsv"), "sentence\tlabel\nok\t1\n\xff\xfe\t0\n");
  EXPECT_NE(error_of(dir, "train: bad.tsv").find("bad.tsv:3: text is not valid UTF-8"), std::string::npos)
      << error_of(dir, "train: bad.tsv");
  testing::write_text(dir.file("quote.csv"), "sentence,label\n\"open,1\n");
  EXPECT_NE(error_of(dir, "train: quote.csv").find("quote.csv:2: unterminated quoted field"), std::string::npos);
}

}  // namespace text_classification_test
}  // namespace attune
