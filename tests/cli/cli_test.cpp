// The command line as a user meets it: exit codes, messages without stack
// traces, --help everywhere.
#include <gtest/gtest.h>

#include <iterator>
#include <set>
#include <sstream>

#include "core/version.h"
#include "tests/support/tiny_experiment.h"

namespace attune {
namespace cli_test {

using testing::run_attune;

void expect_clean_error(const testing::CommandResult& result, const std::string& expected) {
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("terminate called"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("Exception raised from"), std::string::npos) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << "one line expected:\n" << result.err;
}

TEST(Cli, EveryCommandHasHelp) {
  for (const char* command : {"train", "eval", "check", "schedule", "list", "docs"}) {
    const auto result = run_attune({command, "--help"});
    EXPECT_EQ(result.exit_code, 0) << command;
    EXPECT_NE(result.out.find("Usage"), std::string::npos) << command << result.out;
  }
}

TEST(Cli, TrainWithMisspeltKeyExitsTwo) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir, 16, "seeed: 1\n");
  expect_clean_error(run_attune({"train", yaml}), yaml + ":13:1: seeed: unknown key (did you mean `seed`?)");
}

TEST(Cli, TrainWithUnknownSchedulerExitsTwo) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir);
  expect_clean_error(run_attune({"train", yaml, "scheduler.type=exponentail"}),
                     "override `scheduler.type=exponentail`: scheduler.type: unknown scheduler `exponentail` (did "
                     "you mean `exponential`?)");
}

TEST(Cli, TrainWithMissingDataFileExitsTwo) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir);
  std::filesystem::remove(dir.file("valid.tsv"));
  expect_clean_error(run_attune({"train", yaml}), yaml + ":6:10: data.valid: file not found: " + dir.file("valid.tsv"));
}

TEST(Cli, TrainWithMalformedYamlExitsTwo) {
  testing::TempDir dir;
  testing::write_text(dir.file("bad.yaml"), "model:\n  type: [transformer\n");
  expect_clean_error(run_attune({"train", dir.file("bad.yaml")}), dir.file("bad.yaml") + ":3:1: invalid YAML");
}

TEST(Cli, MissingExperimentFileExitsTwo) {
  expect_clean_error(run_attune({"check", "/nonexistent/exp.yaml"}), "/nonexistent/exp.yaml: cannot open");
}

TEST(Cli, UnknownOptionExitsTwo) {
  const auto result = run_attune({"train", "--epochs", "3"});
  EXPECT_EQ(result.exit_code, 2);
}

TEST(Cli, TrainResumeAndEval) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir);
  const auto trained = run_attune({"train", yaml, "train.epochs=2", "--run-dir", dir.file("run")});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_NE(trained.out.find("\"epochs\": 2"), std::string::npos);
  // Resuming a finished run does nothing and says the same.
  const auto resumed = run_attune({"train", "--resume", dir.file("run")});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto evaluated = run_attune({"eval", dir.file("run")});
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  EXPECT_NE(evaluated.out.find("\"val_accuracy\""), std::string::npos);
  EXPECT_NE(evaluated.out.find("\"examples\": 32"), std::string::npos) << evaluated.out;
  const auto other = run_attune({"eval", dir.file("run"), "--data", dir.file("train.tsv")});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_NE(other.out.find("\"examples\": 64"), std::string::npos) << other.out;
  expect_clean_error(run_attune({"train", "--resume", dir.path()}), dir.path() + ": not a run folder (no config.yaml)");
}

TEST(Cli, CheckPrintsResolvedConfigWithDefaults) {
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir);
  const auto result = run_attune({"check", yaml, "optimizer.lr=0.01"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("  lr: 0.01\n"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("betas: [0.9, 0.999]"), std::string::npos);              // a default filled in
  EXPECT_NE(result.out.find("train: " + dir.file("train.tsv")), std::string::npos);  // a path made absolute
}

TEST(Cli, VersionNamesTheLibTorchAndCudaDevicesAsPythonTorchSeesThem) {
  // The reference: Debian's python3-torch, the same LibTorch as attune's
  // (pip's torch on a GPU machine, where attune is built against it).
  const auto reference =
      testing::run_shell(testing::python() +
                         " -c \"import re, torch; print(re.match(r'\\d+[.]\\d+[.]\\d+', torch.__version__)[0], "
                         "int(torch.backends.cuda.is_built()), torch.cuda.device_count())\"");
  ASSERT_EQ(reference.exit_code, 0) << reference.text;
  std::istringstream fields(reference.text);
  std::string torch_version;
  int cuda_built = 0, devices = 0;
  fields >> torch_version >> cuda_built >> devices;
  const std::string cuda = !cuda_built    ? "not built in"
                           : devices == 0 ? "no device seen"
                           : devices == 1 ? "1 device"
                                          : std::to_string(devices) + " devices";
  const auto result = run_attune({"--version"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "attune " ATTUNE_VERSION "\nLibTorch " + torch_version + "; CUDA: " + cuda + "\n");
}

TEST(Cli, Bf16OnACpuWithoutFastBfloat16KernelsWarnsOnce) {
  // The reference: the kernel's CPU flags, read by grep. LibTorch's bf16
  // matmuls are fast with AVX-512 BW, VL and DQ (oneDNN) or native bfloat16.
  const auto flags = testing::run_shell(
      "grep -m1 -E '^(flags|Features)' /proc/cpuinfo | tr ' ' '\\n' | "
      "grep -xE 'avx512_bf16|amx_bf16|bf16|avx512bw|avx512vl|avx512dq'");
  std::istringstream names(flags.text);
  const std::set<std::string> has{std::istream_iterator<std::string>(names), std::istream_iterator<std::string>()};
  const bool fast = has.count("avx512_bf16") || has.count("amx_bf16") || has.count("bf16") ||
                    (has.count("avx512bw") && has.count("avx512vl") && has.count("avx512dq"));
  testing::TempDir dir;
  const auto yaml = testing::write_tiny_experiment(dir);
  const std::string warning = "warning: precision: bf16 on this CPU, which has neither AVX-512 nor bfloat16";
  const auto bf16 = run_attune({"train", yaml, "precision=bf16", "device=cpu", "--run-dir", dir.file("bf16")});
  ASSERT_EQ(bf16.exit_code, 0) << bf16.err;
  const auto fp32 = run_attune({"train", yaml, "device=cpu", "--run-dir", dir.file("fp32")});
  ASSERT_EQ(fp32.exit_code, 0) << fp32.err;
  EXPECT_EQ(fp32.err.find(warning), std::string::npos) << fp32.err;
  if (fast) {
    EXPECT_EQ(bf16.err.find(warning), std::string::npos) << flags.text << bf16.err;
  } else {
    const size_t at = bf16.err.find(warning);
    EXPECT_NE(at, std::string::npos) << flags.text << bf16.err;
    EXPECT_EQ(bf16.err.find(warning, at + 1), std::string::npos) << bf16.err;
  }
}

}  // namespace cli_test
}  // namespace attune
