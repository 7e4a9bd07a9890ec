// `attune predict RUN_OR_EXPORT --data FILE|-`: labels new inputs.
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <sstream>

#include "core/cli/commands.h"
#include "core/data/permutation.h"
#include "core/io/atomic_file.h"
#include "core/predict/prediction_writer.h"
#include "core/predict/predictor.h"

namespace attune::cli {
namespace {

struct PredictArguments {
  std::string folder;
  std::string data;
  std::string output;
  std::string format;
  std::string checkpoint = "best";
  int64_t batch_size = 0;
  std::string device;
  std::vector<std::string> plugins;
};

// Lines of stdin, handed over as soon as no more are waiting: a pipe that
// feeds one line at a time gets each answer at once, a file gets full batches.
class StdinLines {
 public:
  bool next(std::string& line) {
    if (!std::getline(std::cin, line)) return false;
    ++number_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  }
  bool more_waiting() const {
    if (std::cin.rdbuf()->in_avail() > 0) return true;
    pollfd fd{STDIN_FILENO, POLLIN, 0};
    return poll(&fd, 1, 0) > 0;
  }
  int64_t number() const { return number_; }

 private:
  int64_t number_ = 0;
};

void note_truncated(int64_t truncated, int64_t total, int64_t max_length) {
  if (truncated == 0) return;
  fmt::print(stderr, "note: {} of {} inputs were longer than max_length {} and were truncated, as in training\n",
             truncated, total, max_length);
}

int64_t max_length_of(const Predictor& predictor) {
  return predictor.trained().experiment.data->spec().max_length;
}

int predict_stdin(const Predictor& predictor, PredictionWriter& writer, std::ostream& out, int64_t batch_size) {
  predictor.trained().experiment.data->encode_texts({});  // refuses data that is not text, before any line
  StdinLines lines;
  std::string line;
  std::vector<std::string> texts;
  int64_t total = 0, truncated = 0;
  auto flush = [&] {
    if (texts.empty()) return;
    const auto dataset = predictor.trained().experiment.data->encode_texts(texts);
    for (const auto& prediction : predictor.predict(*dataset, index_range(0, dataset->size()))) {
      writer.write(prediction);
    }
    out.flush();
    total += dataset->size();
    truncated += dataset->truncated_examples();
    texts.clear();
  };
  writer.write_header();
  out.flush();
  while (lines.next(line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) {
      flush();
      input_error("stdin:{}: empty line: there is no text to label (one text per line)", lines.number());
    }
    texts.push_back(line);
    if (static_cast<int64_t>(texts.size()) >= batch_size || !lines.more_waiting()) flush();
  }
  flush();
  note_truncated(truncated, total, max_length_of(predictor));
  return 0;
}

int predict_file(const Predictor& predictor, PredictionWriter& writer, std::ostream& out, const std::string& path,
                 int64_t batch_size) {
  const auto dataset = predictor.trained().experiment.data->read_file(path, Labels::ignored);
  const int64_t size = dataset->size();
  const bool show_progress = isatty(STDERR_FILENO) && size > 4 * batch_size;
  writer.write_header();
  predictor.predict_in_batches(*dataset, batch_size, [&](const std::vector<Prediction>& batch, int64_t done) {
    for (const auto& prediction : batch) writer.write(prediction);
    if (show_progress) fmt::print(stderr, "\rpredict: {}/{}", done, size);
  });
  if (show_progress) fmt::print(stderr, "\n");
  note_truncated(dataset->truncated_examples(), size, max_length_of(predictor));
  return 0;
}

}  // namespace

CommandRunner add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArguments>();
  auto* command = app.add_subcommand("predict", "label new inputs with a trained run or an export");
  command->add_option("folder", args->folder, "run folder or export (attune export --to safetensors)")->required();
  command
      ->add_option("--data", args->data,
                   "inputs in the training file's format (label column optional), or - for one text per line "
                   "on stdin")
      ->required();
  command->add_option("--output", args->output, "write here (atomically) instead of stdout");
  command->add_option("--format", args->format, "tsv, csv or jsonl (default: by --output's extension, else tsv)")
      ->check(CLI::IsMember(config::enum_choices<PredictionFormat>()));
  add_checkpoint_option(*command, args->checkpoint);
  command->add_option("--batch-size", args->batch_size, "examples per forward pass (default: train.eval_batch_size)")
      ->check(CLI::PositiveNumber);
  command->add_option("--device", args->device, "cpu, cuda or cuda:N (default: the run's device)");
  add_plugin_option(*command, args->plugins);
  return [args]() {
    const Predictor predictor(args->folder, {args->checkpoint, args->device, args->plugins});
    const int64_t batch_size = args->batch_size > 0 ? args->batch_size : predictor.default_batch_size();
    PredictionFormat format = prediction_format_for(args->output);
    if (!args->format.empty()) format = *config::enum_named<PredictionFormat>(args->format);  // checked by CLI11
    std::ostringstream buffered;
    std::ostream& out = args->output.empty() ? std::cout : buffered;
    PredictionWriter writer(out, format, predictor.labels());
    const int code = args->data == "-" ? predict_stdin(predictor, writer, out, batch_size)
                                       : predict_file(predictor, writer, out, args->data, batch_size);
    if (!args->output.empty()) write_file_atomically(args->output, buffered.str());
    return code;
  };
}

}  // namespace attune::cli
