// The data readers' table layer: TSV and CSV (quotes, ragged rows, UTF-8), gzip.
#include "core/io/table_reader.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (const char* name : {"t.tsv", "t.csv", "t.tsv.gz"}) {
    const std::string path = attune::fuzz::input_file(data, size, name);
    attune::fuzz::expect_only_attune_errors([&] { attune::Table::read(path); });
  }
  return 0;
}
