// `attune export RUN --to hf|safetensors|torchscript OUT`: the trained model for use elsewhere.
#include <fmt/format.h>

#include <memory>

#include "core/cli/commands.h"
#include "core/export/exports.h"

namespace attune::cli {

CommandRunner add_export_command(CLI::App& app) {
  struct Arguments {
    std::string folder;
    std::string to;
    std::string out;
    std::string checkpoint = "best";
    std::vector<std::string> plugins;
  };
  auto args = std::make_shared<Arguments>();
  auto* command = app.add_subcommand("export", "write a trained model for HuggingFace, TorchScript or attune itself");
  command->add_option("folder", args->folder, "run folder (or an export)")->required();
  command
      ->add_option("--to", args->to,
                   "hf (a HuggingFace folder, BERT classifiers), safetensors (a folder attune predict/eval take), "
                   "torchscript (one file for torch::jit::load / torch.jit.load)")
      ->required()
      ->check(CLI::IsMember({"hf", "safetensors", "torchscript"}));
  command->add_option("out", args->out, "output folder (hf, safetensors) or file (torchscript)")->required();
  add_checkpoint_option(*command, args->checkpoint);
  add_plugin_option(*command, args->plugins);
  return [args]() {
    // Exports are made on the CPU, whatever device trained the run.
    const TrainedModel trained = load_trained_model(args->folder, {args->checkpoint, "cpu", args->plugins});
    if (args->to == "hf") export_huggingface(trained, args->out);
    if (args->to == "safetensors") export_safetensors(trained, args->out);
    if (args->to == "torchscript") export_torchscript(trained, args->out);
    fmt::print("exported {} ({}) to {}\n", args->folder, trained.weights, args->out);
    return 0;
  };
}

}  // namespace attune::cli
