// The experiment YAML loader: parsing, schema decoding, registry lookups.
// The seeds are the shipped experiments, whose paths (`../data/...`,
// `../tests/fixtures/...`) must resolve, or every input would stop at its first
// path check: the input is written as experiments/exp.yaml beside links to the
// repository's data/ and tests/.
#include <filesystem>

#include "core/experiment/experiment_config.h"
#include "fuzz/fuzz_support.h"

#ifndef ATTUNE_SOURCE_DIR
#error "ATTUNE_SOURCE_DIR must name the repository root"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool layout_ready = [] {
    const std::filesystem::path root = attune::fuzz::scratch_dir();
    std::error_code ignored;
    std::filesystem::create_directory(root / "experiments", ignored);
    for (const char* linked : {"data", "tests"})
      std::filesystem::create_directory_symlink(std::filesystem::path(ATTUNE_SOURCE_DIR) / linked, root / linked,
                                                ignored);
    return true;
  }();
  (void)layout_ready;
  const std::string path = attune::fuzz::input_file(data, size, "experiments/exp.yaml");
  attune::fuzz::expect_only_attune_errors([&] { attune::load_experiment(path); });
  return 0;
}
