// The safetensors reader: header length, JSON header, dtypes, shapes, offsets.
#include "core/io/safetensors.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = attune::fuzz::input_file(data, size, "w.safetensors");
  attune::fuzz::expect_only_attune_errors([&] { attune::read_safetensors(path); });
  return 0;
}
