// The bad-input table (docs/reliability.md, "Bad input, tried"): every input path of the
// `attune` command given something wrong, run as a user runs it (the real
// binary, a real file), must exit with code 2 and a message that names the
// file, the place and what was wrong; never a crash, an abort or a hang.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "tests/support/tiny_experiment.h"

namespace attune::testing {
namespace bad_input_test {

namespace fs = std::filesystem;

/// A case: prepares files in `dir` (the tiny experiment is there as tiny.yaml,
/// train.tsv, valid.tsv) and returns attune's arguments; the message must
/// contain every `expected` piece ("{dir}" stands for the folder).
struct BadInput {
  std::string name;
  std::function<std::vector<std::string>(const TempDir& dir)> setup;
  std::vector<std::string> expected;
};

// Names the case in test listings (gtest would otherwise print its bytes).
void PrintTo(const BadInput& input, std::ostream* os) {
  *os << input.name;
}

std::vector<std::string> train(const TempDir& dir, std::vector<std::string> overrides = {},
                               const std::string& yaml = "tiny.yaml") {
  std::vector<std::string> args = {"train", dir.file(yaml), "--run-dir", dir.file("run")};
  args.insert(args.end(), overrides.begin(), overrides.end());
  return args;
}

/// `attune check` of the tiny experiment with `overrides`.
std::vector<std::string> check(const TempDir& dir, std::vector<std::string> overrides = {}) {
  std::vector<std::string> args = {"check", dir.file("tiny.yaml")};
  args.insert(args.end(), overrides.begin(), overrides.end());
  return args;
}

/// The tiny experiment with `replace` swapped for `with` in its YAML, as bad.yaml.
std::vector<std::string> train_edited(const TempDir& dir, const std::string& replace, const std::string& with,
                                      std::vector<std::string> overrides = {}) {
  std::string text = read_text(dir.file("tiny.yaml"));
  const auto at = text.find(replace);
  EXPECT_NE(at, std::string::npos) << replace;
  if (at != std::string::npos) text.replace(at, replace.size(), with);
  write_text(dir.file("bad.yaml"), text);
  return train(dir, std::move(overrides), "bad.yaml");
}

/// bert-tiny copied into dir/bert, with `file` replaced by `content` when given,
/// and an experiment fine-tuning it (bert.yaml).
std::vector<std::string> bert(const TempDir& dir, const std::string& file = "", const std::string& content = "",
                              std::vector<std::string> overrides = {}) {
  fs::copy(fixtures_dir() + "/bert-tiny", dir.file("bert"), fs::copy_options::recursive);
  if (!file.empty()) {
    fs::remove(dir.file("bert/" + file));
    write_text(dir.file("bert/" + file), content);
  }
  if (file == "model.safetensors") fs::remove(dir.file("bert/pytorch_model.bin"));  // no fallback
  write_text(dir.file("bert.yaml"),
             "name: b\ndata:\n  type: text_classification\n  train: train.tsv\n  valid: valid.tsv\n"
             "  tokenizer: {type: wordpiece, vocab: bert/vocab.txt}\n  max_length: 32\n"
             "model: {type: bert_classifier, pretrained: bert, num_labels: 2}\n"
             "optimizer: {type: adamw, lr: 0.001}\ntrain: {epochs: 1, batch_size: 16, progress: none}\n");
  return train(dir, std::move(overrides), "bert.yaml");
}

/// A safetensors file: 8-byte little-endian header length, the header, the data.
std::string safetensors(const std::string& header, const std::string& data, uint64_t claimed_length = 0) {
  const uint64_t length = claimed_length ? claimed_length : header.size();
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(length >> (8 * i));
  return bytes + header + data;
}

/// The tiny experiment initialised from `file` (written with `content`).
std::vector<std::string> pretrained_init(const TempDir& dir, const std::string& file, const std::string& content) {
  write_text(dir.file(file), content);
  return train(dir, {"init=[{match: '*', type: pretrained, path: " + dir.file(file) + "}]"});
}

/// A finished tiny run in dir/run, then `file` in it replaced by `content`.
std::vector<std::string> damaged_run(const TempDir& dir, const std::string& file,
                                     const std::function<std::string(const std::string&)>& damage,
                                     const std::vector<std::string>& args) {
  EXPECT_EQ(run_attune(train(dir, {"train.epochs=1"})).exit_code, 0);
  const std::string path = dir.file("run/" + file);
  write_text(path, damage(fs::exists(path) ? read_text(path) : ""));
  return args;
}

std::vector<std::string> sweep(const TempDir& dir, const std::string& storage) {
  std::string text = read_text(dir.file("tiny.yaml"));
  text += "search: {strategy: grid, metric: val_accuracy, mode: max, storage: '" + storage +
          "', space: {optimizer.lr: [0.001, 0.01]}}\n";
  write_text(dir.file("sweep.yaml"), text);
  return {"sweep", dir.file("sweep.yaml"), "--sweep-dir", dir.file("sweep")};
}

const std::string kValidSafetensorsHeader = R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})";

std::vector<BadInput> cases() {
  return {
      // --- the experiment YAML
      {"yaml_syntax",
       [](const TempDir& d) { return train_edited(d, "seed: 3\n", "seed: [3\n"); },
       {"bad.yaml:3:", "invalid YAML"}},
      {"yaml_unknown_key",
       [](const TempDir& d) { return train_edited(d, "num_heads: 2", "num_head: 2"); },
       {"bad.yaml:", "model.num_head", "did you mean `num_heads`"}},
      {"yaml_unknown_scheduler",
       [](const TempDir& d) { return train_edited(d, "type: cosine", "type: cosin"); },
       {"bad.yaml:", "scheduler.type", "did you mean `cosine`"}},
      {"yaml_wrong_type",
       [](const TempDir& d) { return train_edited(d, "epochs: 3", "epochs: three"); },
       {"bad.yaml:", "train.epochs", "three"}},
      {"yaml_out_of_range",
       [](const TempDir& d) { return train_edited(d, "lr: 0.003", "lr: -1"); },
       {"bad.yaml:", "optimizer.lr", "> 0"}},
      {"yaml_missing_file", [](const TempDir& d) { return train(d, {}, "nowhere.yaml"); }, {"nowhere.yaml"}},
      {"yaml_empty_file",
       [](const TempDir& d) {
         write_text(d.file("empty.yaml"), "");
         return train(d, {}, "empty.yaml");
       },
       {"empty.yaml"}},
      {"yaml_not_a_mapping",
       [](const TempDir& d) {
         write_text(d.file("list.yaml"), "- a\n- b\n");
         return train(d, {}, "list.yaml");
       },
       {"list.yaml:1:1", "expected a map"}},
      {"yaml_duplicate_key",
       [](const TempDir& d) { return train_edited(d, "seed: 3\n", "seed: 3\nseed: 4\n"); },
       {"bad.yaml:3:1", "`seed` is given twice", "first at line 2"}},
      {"yaml_heads_do_not_divide_width",
       [](const TempDir& d) { return train_edited(d, "num_heads: 2", "num_heads: 3"); },
       {"num_heads", "16"}},
      {"yaml_zero_batch_size",
       [](const TempDir& d) { return train_edited(d, "batch_size: 16", "batch_size: 0"); },
       {"bad.yaml:", "train.batch_size", "> 0"}},
      // --- a model too big for the machine: refused before any of it is built
      // (the tiny model: 489,186 parameters, and 2,224 per layer)
      {"model_too_big",
       [](const TempDir& d) { return train(d, {"model.num_layers=1000000000000"}); },
       {"2,224,000,000,489,186 parameters", "35,584,000,007,826,976 bytes", "this machine has",
        "num_layers: 1000000000000"}},
      {"model_count_beyond_int64",
       [](const TempDir& d) { return train(d, {"model.hidden_dim=1099511627776"}); },
       {"more than 9,223,372,036,854,775,806 parameters", "hidden_dim: 1099511627776"}},
      // --- `attune check` refuses what `train` would before its first step
      {"check_model_too_big",
       [](const TempDir& d) { return check(d, {"model.num_layers=1000000000000"}); },
       {"2,224,000,000,489,186 parameters", "35,584,000,007,826,976 bytes", "this machine has"}},
      {"metric_not_a_column",
       [](const TempDir& d) { return train(d, {"train.early_stopping.metric=val_acuracy"}); },
       {"train.early_stopping.metric", "`val_acuracy` is not a column", "did you mean `val_accuracy`"}},
      {"metric_of_the_other_task",
       [](const TempDir& d) { return train(d, {"train.metrics=[accuracy, pearson]"}); },
       {"`pearson` scores a regression but this data is a classification", "use accuracy, f1"}},
      {"loss_of_the_other_task",
       [](const TempDir& d) { return train(d, {"train.loss={type: huber, delta: 0.5}"}); },
       {"`huber` is a regression loss but this data is a classification", "use cross_entropy"}},
      {"loss_weights_for_other_classes",
       [](const TempDir& d) { return train(d, {"train.loss={type: cross_entropy, weights: [1, 2, 3]}"}); },
       {"3 weights but the data has 2 classes"}},
      {"fp16_on_the_cpu",
       [](const TempDir& d) {
         return train(d, {"precision=fp16", "device=cpu"});
       },
       {"precision: fp16 trains on CUDA only", "or `device: cuda`"}},
      {"step_logs_without_tensorboard",
       [](const TempDir& d) {
         return train(d, {"train.log_every_steps=10", "train.tensorboard=false"});
       },
       {"train.log_every_steps: writes TensorBoard scalars", "train.tensorboard is false"}},
      {"late_finite_checks_cannot_skip",
       [](const TempDir& d) {
         return train(d, {"train.finite_check_every=50", "train.skip_nonfinite=true"});
       },
       {"train.finite_check_every:", "cannot be skipped", "set train.skip_nonfinite: false"}},
      {"sweep_objective_not_a_measure",
       [](const TempDir& d) {
         auto args = sweep(d, d.file("store.db"));
         args.push_back("search.objectives=[{metric: val_accuracy}, {metric: paramters}]");
         return args;
       },
       {"search.objectives.1.metric", "`paramters` is not a column", "did you mean `parameters`", "latency_ms"}},
      {"sweep_evaluating_every_n_steps",
       [](const TempDir& d) {
         auto args = sweep(d, d.file("store.db"));
         args.push_back("train.eval_every_steps=5");
         return args;
       },
       {"train.eval_every_steps is 5", "a sweep evaluates its trials once an epoch"}},
      {"check_init_rule_matches_nothing",
       [](const TempDir& d) { return check(d, {"init=[{match: 'encoder.layer.*.weight', type: zeros}]"}); },
       {"encoder.layer.*.weight", "matches no parameter"}},
      {"check_param_group_matches_nothing",
       [](const TempDir& d) {
         return check(d, {"optimizer.param_groups=[{name: heads, match: ['classifier.*'], lr: 0.01}]"});
       },
       {"optimizer.param_groups", "`heads`", "classifier.*"}},
      {"check_pretrained_names_do_not_fit",
       [](const TempDir& d) {
         // A 2-layer 8-wide checkpoint for the 1-layer 16-wide tiny model.
         fs::copy_file(fixtures_dir() + "/tiny_model/model.safetensors", d.file("w.safetensors"));
         return check(d,
                      {"init=[{match: '*', type: pretrained, path: " + d.file("w.safetensors") + ", strict: true}]"});
       },
       {"w.safetensors", "strict", "shape mismatch"}},
      // --- key=value overrides
      {"override_unknown_key",
       [](const TempDir& d) { return train(d, {"train.epoch=3"}); },
       {"train.epoch=3", "did you mean `epochs`"}},
      {"override_unclosed_value",
       [](const TempDir& d) { return train(d, {"optimizer.betas=[0.9"}); },
       {"optimizer.betas=[0.9"}},
      {"override_index_out_of_range",
       [](const TempDir& d) { return train(d, {"init.5.type=zeros"}); },
       {"init.5.type=zeros", "no list `init`"}},
      {"override_bad_value",
       [](const TempDir& d) { return train(d, {"train.epochs=-2"}); },
       {"train.epochs=-2", "> 0"}},
      // --- data files
      {"data_missing_file",
       [](const TempDir& d) { return train(d, {"data.train=" + d.file("missing.tsv")}); },
       {"missing.tsv"}},
      {"data_empty",
       [](const TempDir& d) {
         write_text(d.file("empty.tsv"), "sentence\tlabel\n");
         return train(d, {"data.train=" + d.file("empty.tsv")});
       },
       {"empty.tsv", "no data rows"}},
      {"data_missing_column",
       [](const TempDir& d) { return train(d, {"data.text_column=sentences"}); },
       {"train.tsv", "sentences", "did you mean `sentence`"}},
      {"data_ragged_row",
       [](const TempDir& d) {
         write_text(d.file("ragged.tsv"), "sentence\tlabel\na fine film\t1\ntoo\tmany\tcells\n");
         return train(d, {"data.train=" + d.file("ragged.tsv")});
       },
       {"ragged.tsv:3"}},
      {"data_not_utf8",
       [](const TempDir& d) {
         write_text(d.file("latin1.tsv"), "sentence\tlabel\na fine film\t1\nna\xefve film\t0\n");
         return train(d, {"data.train=" + d.file("latin1.tsv")});
       },
       {"latin1.tsv:3", "UTF-8"}},
      {"data_label_unknown_in_valid",
       [](const TempDir& d) {
         write_text(d.file("v.tsv"), "sentence\tlabel\ngood\t1\nbad\t7\n");
         return train(d, {"data.valid=" + d.file("v.tsv")});
       },
       {"v.tsv:3", "7"}},
      {"data_corrupt_gzip",
       [](const TempDir& d) {
         write_text(d.file("broken.tsv.gz"), std::string("\x1f\x8b\x08\x00garbage", 12));
         return train(d, {"data.train=" + d.file("broken.tsv.gz")});
       },
       {"broken.tsv.gz", "not a valid gzip file"}},
      {"data_image_pixel_not_a_number",
       [](const TempDir& d) {
         write_text(d.file("img.csv"), "1,2,3,4,0\n5,x,7,8,1\n");
         write_text(d.file("img.yaml"),
                    "name: i\ndata: {type: image_classification, train: img.csv, valid: img.csv, "
                    "image_shape: [1, 2, 2]}\nmodel: {type: vit, hidden_dim: 8, num_heads: 2, "
                    "num_layers: 1, ff_dim: 16, patch_size: 1}\ntrain: {epochs: 1, batch_size: 2}\n");
         return train(d, {}, "img.yaml");
       },
       {"img.csv:2", "x"}},
      {"data_max_length_beyond_positions",
       [](const TempDir& d) { return bert(d, "", "", {"data.max_length=100"}); },
       {"max_length", "100", "64"}},
      // --- vocabularies
      {"vocab_missing",
       [](const TempDir& d) { return train(d, {"data.tokenizer.vocab=" + d.file("no_vocab.txt")}); },
       {"no_vocab.txt"}},
      {"vocab_without_unk",
       [](const TempDir& d) {
         write_text(d.file("v.txt"), "[PAD]\n[CLS]\n[SEP]\nfilm\n");
         return train(d, {"data.tokenizer.vocab=" + d.file("v.txt")});
       },
       {"v.txt", "[UNK]"}},
      {"vocab_empty",
       [](const TempDir& d) {
         write_text(d.file("v.txt"), "");
         return train(d, {"data.tokenizer.vocab=" + d.file("v.txt")});
       },
       {"v.txt"}},
      {"vocab_without_cls_and_sep",
       [](const TempDir& d) {
         write_text(d.file("v.txt"), "[PAD]\n[UNK]\nfilm\n");
         return train(d, {"data.tokenizer.vocab=" + d.file("v.txt")});
       },
       {"v.txt", "missing required token"}},
      // --- checkpoints and run folders
      {"resume_not_a_run_folder",
       [](const TempDir& d) {
         return std::vector<std::string>{"train", "--resume", d.path()};
       },
       {"not a run folder"}},
      {"resume_truncated_checkpoint",
       [](const TempDir& d) {
         return damaged_run(d, "checkpoints/last.pt",
                            [](const std::string& bytes) { return bytes.substr(0, bytes.size() / 2); },
                            {"train", "--resume", d.file("run")});
       },
       {"last.pt"}},
      {"resume_garbage_checkpoint",
       [](const TempDir& d) {
         return damaged_run(d, "checkpoints/last.pt", [](const std::string&) { return "not a checkpoint"; },
                            {"train", "--resume", d.file("run")});
       },
       {"last.pt"}},
      {"eval_missing_best_checkpoint",
       [](const TempDir& d) {
         auto args = damaged_run(d, "x", [](const std::string&) { return ""; }, {"eval", d.file("run")});
         fs::remove(d.file("run/checkpoints/best.pt"));
         return args;
       },
       {"best.pt"}},
      // --- predict and export (a trained run, then a wrong input)
      {"predict_missing_column",
       [](const TempDir& d) {
         write_text(d.file("p.tsv"), "text\nfine film\n");
         return damaged_run(d, "x", [](const std::string&) { return ""; },
                            {"predict", d.file("run"), "--data", d.file("p.tsv")});
       },
       {"p.tsv:1: no column `sentence` for text_column"}},
      {"predict_empty_text",
       [](const TempDir& d) {
         write_text(d.file("p.tsv"), "sentence\tlabel\nfine film\t1\n\t0\n");
         return damaged_run(d, "x", [](const std::string&) { return ""; },
                            {"predict", d.file("run"), "--data", d.file("p.tsv")});
       },
       {"p.tsv:3: column `sentence` is empty: there is no text to label"}},
      {"predict_ragged_row",
       [](const TempDir& d) {
         write_text(d.file("p.tsv"), "sentence\nfine film\textra\n");
         return damaged_run(d, "x", [](const std::string&) { return ""; },
                            {"predict", d.file("run"), "--data", d.file("p.tsv")});
       },
       {"p.tsv:2: expected 1 field as in the header, got 2"}},
      {"predict_unknown_checkpoint",
       [](const TempDir& d) {
         return damaged_run(d, "x", [](const std::string&) { return ""; },
                            {"predict", d.file("run"), "--data", "-", "--checkpoint", "bset"});
       },
       {"--checkpoint `bset`: expected `best`, `last` or a checkpoint file (did you mean `best`?)"}},
      {"predict_not_a_run",
       [](const TempDir& d) {
         return std::vector<std::string>{"predict", d.path(), "--data", "-"};
       },
       {"not a run or an export folder (no config.yaml)"}},
      {"export_hf_of_a_model_without_one",
       [](const TempDir& d) {
         return damaged_run(d, "x", [](const std::string&) { return ""; },
                            {"export", d.file("run"), "--to", "hf", d.file("hf")});
       },
       {"--to hf exports BERT classifiers"}},
      {"resume_corrupt_config",
       [](const TempDir& d) {
         return damaged_run(d, "config.yaml", [](const std::string&) { return "model: {type: ["; },
                            {"train", "--resume", d.file("run")});
       },
       {"config.yaml:"}},
      // --- safetensors
      {"safetensors_truncated",
       [](const TempDir& d) {
         return pretrained_init(d, "w.safetensors", safetensors(kValidSafetensorsHeader, "1234"));
       },
       {"w.safetensors"}},
      {"safetensors_huge_header_length",
       [](const TempDir& d) { return pretrained_init(d, "w.safetensors", safetensors("{}", "", 1ULL << 60)); },
       {"w.safetensors", "header"}},
      {"safetensors_header_not_json",
       [](const TempDir& d) { return pretrained_init(d, "w.safetensors", safetensors("{not json", "")); },
       {"w.safetensors"}},
      {"safetensors_offsets_out_of_range",
       [](const TempDir& d) {
         return pretrained_init(
             d, "w.safetensors",
             safetensors(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 800]}})", "12345678"));
       },
       {"w.safetensors", "w"}},
      {"safetensors_unknown_dtype",
       [](const TempDir& d) {
         return pretrained_init(
             d, "w.safetensors",
             safetensors(R"({"w": {"dtype": "Q7", "shape": [2], "data_offsets": [0, 8]}})", "12345678"));
       },
       {"w.safetensors", "Q7"}},
      // --- torch.save .bin files
      {"bin_not_a_zip",
       [](const TempDir& d) { return pretrained_init(d, "w.bin", "definitely not a zip archive"); },
       {"w.bin", "not a torch.save file"}},
      {"bin_zip_without_pickle",
       [](const TempDir& d) {
         // An empty zip archive: the end-of-central-directory record alone.
         return pretrained_init(d, "w.bin", std::string("PK\x05\x06", 4) + std::string(18, '\0'));
       },
       {"w.bin"}},
      // --- HuggingFace folders
      {"bert_config_not_json",
       [](const TempDir& d) { return bert(d, "config.json", "{\"hidden_size\": "); },
       {"config.json"}},
      {"bert_config_wrong_type",
       [](const TempDir& d) {
         std::string json = read_text(fixtures_dir() + "/bert-tiny/config.json");
         json.replace(json.find("\"hidden_size\""), 13, "\"hidden_size\": \"wide\", \"x\"");
         return bert(d, "config.json", json);
       },
       {"config.json", "hidden_size"}},
      {"bert_weights_truncated",
       [](const TempDir& d) {
         return bert(d, "model.safetensors",
                     read_text(fixtures_dir() + "/bert-tiny/model.safetensors").substr(0, 5000));
       },
       {"model.safetensors"}},
      // --- plugins
      {"plugin_missing",
       [](const TempDir& d) { return train(d, {"plugins=[" + d.file("libnothing.so") + "]"}); },
       {"libnothing.so"}},
      {"plugin_not_a_library",
       [](const TempDir& d) {
         write_text(d.file("libtext.so"), "text");
         return train(d, {"plugins=[" + d.file("libtext.so") + "]"});
       },
       {"libtext.so"}},
      {"plugin_not_a_plugin",
       [](const TempDir& d) { return train(d, {"plugins=[" + plugin_path("test_not_a_plugin") + "]"}); },
       {"test_not_a_plugin", "attune"}},
      {"plugin_wrong_api_version",
       [](const TempDir& d) { return train(d, {"plugins=[" + plugin_path("test_wrong_version_plugin") + "]"}); },
       {"test_wrong_version_plugin", "999"}},
      {"plugin_built_against_another_attune",
       [](const TempDir& d) { return train(d, {"plugins=[" + plugin_path("test_other_build_plugin") + "]"}); },
       {"test_other_build_plugin", "does not match this attune", "LibTorch 0.4.1"}},
      // --- sweep stores
      {"store_unknown_scheme",
       [](const TempDir& d) { return sweep(d, "mysql://localhost/db"); },
       {"mysql://localhost/db"}},
      {"store_not_a_database",
       [](const TempDir& d) {
         write_text(d.file("store.db"), "this is not SQLite");
         return sweep(d, d.file("store.db"));
       },
       {"store.db"}},
      {"store_postgres_unreachable",
       [](const TempDir& d) { return sweep(d, "postgresql://nobody@127.0.0.1:1/none"); },
       {"postgresql://nobody@127.0.0.1:1/none"}},
  };
}

class BadInputTable : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputTable, ExitsWithCode2AndAMessageNamingWhatWasWrong) {
  TempDir dir;
  write_tiny_experiment(dir);
  const auto args = GetParam().setup(dir);
  const auto result = run_attune(args, dir.path());
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("error: "), std::string::npos) << result.err;
  for (const auto& piece : GetParam().expected) {
    EXPECT_NE(result.err.find(piece), std::string::npos) << "expected `" << piece << "` in: " << result.err;
  }
  // scripts/update-readme-bad-inputs.sh collects the messages for docs/reliability.md's table.
  if (const char* table = std::getenv("ATTUNE_BAD_INPUT_TABLE")) {
    std::string message = result.err.substr(0, result.err.find('\n'));
    for (std::string::size_type at; (at = message.find(dir.path())) != std::string::npos;) {
      message.replace(at, dir.path().size(), "DIR");
    }
    const std::string plugins = fs::path(plugin_path("test_not_a_plugin")).parent_path().string();
    for (std::string::size_type at; (at = message.find(plugins)) != std::string::npos;) {
      message.replace(at, plugins.size(), "BUILD/tests");
    }
    for (std::string::size_type at; (at = message.find('|')) != std::string::npos;) message.replace(at, 1, "\\|");
    std::ofstream(table, std::ios::app) << "| `" << GetParam().name << "` | " << result.exit_code << " | " << message
                                        << " |\n";
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, BadInputTable, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace bad_input_test
}  // namespace attune::testing
