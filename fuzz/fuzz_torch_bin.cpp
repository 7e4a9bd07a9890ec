// torch.save's zip + pickle reader (HuggingFace's pytorch_model.bin).
#include "core/io/torch_pickle.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = attune::fuzz::input_file(data, size, "w.bin");
  attune::fuzz::expect_only_attune_errors([&] { attune::read_torch_state_dict(path); });
  return 0;
}
