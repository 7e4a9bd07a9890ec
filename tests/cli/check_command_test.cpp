// `attune check` builds what `train` builds before its first step, on the
// CPU, and says how big the model is. (What it refuses is in the bad-input
// table, tests/cli/bad_input_test.cpp: the `check_*` cases.)
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "core/experiment/experiment.h"
#include "core/experiment/model_size.h"
#include "tests/support/tiny_experiment.h"

namespace attune::testing {
namespace check_command_test {

TEST(Check, PrintsTheModelsParameterCountAfterTheConfig) {
  TempDir dir;
  const auto yaml = write_tiny_experiment(dir);
  const auto result = run_attune({"check", yaml});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // The reference: the model train builds from the same file.
  const auto experiment = build_experiment(load_experiment(yaml));
  int64_t parameters = 0;
  for (const auto& parameter : experiment.model->parameters()) parameters += parameter.numel();
  const std::string line = "# model: transformer_classifier, " + with_thousands(parameters) + " parameters (";
  const auto at = result.out.find(line);
  ASSERT_NE(at, std::string::npos) << "expected `" << line << "` in:\n" << result.out;
  EXPECT_GT(at, result.out.find("name: tiny")) << "the count comes after the config";
  EXPECT_NE(result.out.find("# training takes at least", at), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("AdamW's 2 moment estimates", at), std::string::npos) << result.out;
}

TEST(Check, ACudaConfigIsCheckedOnTheCpuOfAMachineWithoutCuda) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "this machine has CUDA";
  TempDir dir;
  const auto yaml = write_tiny_experiment(dir);
  const auto checked = run_attune({"check", yaml, "device=cuda:1"});
  EXPECT_EQ(checked.exit_code, 0) << checked.err;
  EXPECT_NE(checked.out.find("device `cuda:1` is not on this machine"), std::string::npos) << checked.out;
  // ... while what check builds is still checked: a rule matching nothing.
  const auto refused = run_attune({"check", yaml, "device=cuda", "init=[{match: 'nothing.*', type: zeros}]"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("matches no parameter"), std::string::npos) << refused.err;
}

TEST(Check, DoesNotJoinADataParallelJob) {
  // Under torchrun's variables, with no rank 0 serving the store, joining
  // would fail (or wait); check builds alone and succeeds.
  TempDir dir;
  const auto yaml = write_tiny_experiment(dir);
  const auto result = run_attune(
      {"check", yaml, "distributed.timeout_seconds=2"}, "",
      {"WORLD_SIZE=2", "RANK=1", "LOCAL_RANK=1", "LOCAL_WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=1"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("# model: transformer_classifier"), std::string::npos) << result.out;
}

}  // namespace check_command_test
}  // namespace attune::testing
