// `attune`: the command line. Only here do errors become messages and exit
// codes (0 success, 1 failure, 2 bad input).
#include <ATen/Context.h>
#include <fmt/format.h>
#include <signal.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <iostream>
#include <string>
#include <vector>

#include "core/cli/commands.h"
#include "core/error.h"
#include "core/system/blas_core.h"
#include "core/system/crash_report.h"
#include "core/system/memory.h"
#include "core/version.h"

namespace {

std::string first_line(const std::string& text) {
  const size_t begin = std::min(text.find_first_not_of('\n'), text.size());
  return text.substr(begin, text.find('\n', begin) - begin);
}

// CLI11 reads an argument written `[...]` as a list of its comma-separated
// parts (its syntax for vector defaults): the text `[CLS] hello [SEP]` would
// arrive as `CLS] hello [SEP`. Such arguments carry this mark through the
// parser, and every option takes it off again, so that each argument reaches
// its command byte for byte.
const std::string kLiteralMark = "\x1f<attune:as-written>";

// What --version prints: attune's version, the LibTorch it runs on and the
// CUDA devices that LibTorch sees (as `torch.__version__` and
// `torch.cuda.device_count()` tell a Python user). Asked only when the flag is
// given, so no other command pays for the CUDA probe.
std::string version_text() {
  std::string cuda = "not built in";
  if (at::hasCUDA()) {
    const size_t devices = torch::cuda::device_count();
    cuda = devices == 0 ? "no device seen" : fmt::format("{} device{}", devices, devices == 1 ? "" : "s");
  }
  return fmt::format("attune {}\nLibTorch {}; CUDA: {}", ATTUNE_VERSION, TORCH_VERSION, cuda);
}

bool looks_like_a_list(const std::string& argument) {
  return argument.size() >= 2 && argument.front() == '[' && argument.back() == ']';
}

void unmark_every_option(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    option->transform(
        [](std::string value) {
          const size_t size = kLiteralMark.size();
          if (value.size() > size && value.compare(value.size() - size, size, kLiteralMark) == 0) {
            value.resize(value.size() - size);
          }
          return value;
        },
        "", "");
  }
  for (CLI::App* command : app.get_subcommands({})) unmark_every_option(*command);
}

}  // namespace

int main(int argc, char** argv) {
  attune::restart_with_fitting_blas_kernels(argv);
  attune::keep_freed_memory_for_reuse();
  attune::install_crash_report("attune");
  // A data-parallel rank whose peer died must fail with c10d's error (and
  // attune's message naming it), not die silently of SIGPIPE on the socket.
  signal(SIGPIPE, SIG_IGN);
  CLI::App app{"attune: train and tune self-attention models from one YAML file", "attune"};
  app.set_version_flag("--version", version_text, "print attune's version, its LibTorch's and the CUDA devices seen");
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, attune::cli::CommandRunner>> commands;
  auto add = [&](attune::cli::CommandRunner (*adder)(CLI::App&)) {
    auto runner = adder(app);
    commands.emplace_back(app.get_subcommands({}).back(), std::move(runner));
  };
  add(attune::cli::add_train_command);
  add(attune::cli::add_eval_command);
  add(attune::cli::add_predict_command);
  add(attune::cli::add_export_command);
  add(attune::cli::add_launch_command);
  add(attune::cli::add_sweep_command);
  add(attune::cli::add_sweep_worker_command);
  add(attune::cli::add_check_command);
  add(attune::cli::add_schedule_command);
  add(attune::cli::add_lr_find_command);
  add(attune::cli::add_plot_command);
  add(attune::cli::add_list_command);
  add(attune::cli::add_embed_command);
  add(attune::cli::add_tokenize_command);
  add(attune::cli::add_docs_command);

  unmark_every_option(app);
  std::vector<std::string> arguments(argv, argv + argc);
  std::vector<char*> marked;
  for (auto& argument : arguments) {
    if (&argument != &arguments.front() && looks_like_a_list(argument)) argument += kLiteralMark;
    marked.push_back(argument.data());
  }
  try {
    app.parse(static_cast<int>(marked.size()), marked.data());
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : attune::kExitBadInput;
  }
  try {
    for (auto& [command, run] : commands) {
      if (command->parsed()) return run();
    }
    return attune::kExitFailure;
  } catch (const attune::Error& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    // LibTorch errors carry a backtrace after the first line: users need the line.
    fmt::print(stderr, "error: {}\n", first_line(e.what()));
    return attune::kExitFailure;
  }
}
