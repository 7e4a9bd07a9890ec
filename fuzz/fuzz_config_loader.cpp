// The experiment YAML loader: parsing, schema decoding, registry lookups.
#include "core/config/experiment_config.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = attune::fuzz::input_file(data, size, "exp.yaml");
  attune::fuzz::expect_only_attune_errors([&] { attune::load_experiment(path); });
  return 0;
}
