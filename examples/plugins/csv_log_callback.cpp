// An example callback plugin: writes every hook it gets, with the numbers it
// is given, as one CSV in the run folder (`train.callbacks: [{type:
// csv_log}]`). A resumed run appends to it.
#include <filesystem>
#include <fstream>

#include "callbacks/callback.h"
#include "core/config/schema.h"

struct CsvLogOptions {
  std::string file = "callback_log.csv";
  std::string metric = "val_loss";
  static void declare(attune::config::Schema<CsvLogOptions>& s) {
    s.field("file", &CsvLogOptions::file, "the CSV's name in the run folder");
    s.field("metric", &CsvLogOptions::metric, "the evaluation column written on evaluation rows");
  }
};

class CsvLogCallback : public attune::Callback {
 public:
  using Options = CsvLogOptions;
  CsvLogCallback(const Options& options, const attune::CallbackArgs& args)
      : path_((std::filesystem::path(args.run_dir) / options.file).string()), metric_(options.metric) {}

  void on_train_start(const attune::TrainStart& start) override {
    const bool fresh = start.step == 0 || !std::filesystem::exists(path_);
    out_.open(path_, fresh ? std::ios::trunc : std::ios::app);
    out_.precision(17);  // numbers that read back as the doubles they were
    if (fresh) out_ << "event,epoch,step,batch,examples,lr,value,improved\n";
    row("train_start", start.epoch, start.step);
  }
  void on_epoch_start(int64_t epoch) override { row("epoch_start", epoch); }
  void after_optimizer_step(const attune::StepEnd& step) override {
    // Skipped (non-finite) steps have no loss: an empty value.
    out_ << "step," << step.epoch << ',' << step.step << ',' << step.batch << ',' << step.examples << ',' << step.lr
         << ',';
    if (step.loss.defined()) out_ << step.loss.item<double>();
    out_ << ",\n";
  }
  void after_evaluation(const attune::MetricValues& values, bool improved) override {
    double epoch = 0, step = 0, value = 0;
    for (const auto& [name, number] : values) {
      if (name == "epoch") epoch = number;
      if (name == "step") step = number;
      if (name == metric_) value = number;
    }
    out_ << "evaluation," << epoch << ',' << step << ",,,," << value << ',' << (improved ? 1 : 0) << '\n';
  }
  void on_epoch_end(int64_t epoch) override { row("epoch_end", epoch); }
  void on_train_end(const std::string&) override {
    row("train_end");
    out_.flush();
  }

 private:
  void row(const char* event, int64_t epoch = 0, int64_t step = 0) {
    out_ << event << ',' << epoch << ',' << step << ",,,,,\n";
  }

  std::string path_;
  std::string metric_;
  std::ofstream out_;
};

ATTUNE_REGISTER_CALLBACK("csv_log", CsvLogCallback, "writes every hook and its numbers to a CSV (example plugin)")
