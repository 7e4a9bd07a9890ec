// BertTokenizer (basic + WordPiece, Unicode normalisation) on arbitrary bytes,
// with bert-base-uncased's vocabulary; and the vocabulary reader itself.
#include "core/data/bert_tokenizer.h"
#include "fuzz/fuzz_support.h"

#ifndef ATTUNE_SOURCE_DIR
#error "ATTUNE_SOURCE_DIR must name the repository root"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const attune::BertTokenizer tokenizer(
      attune::Vocab::load(std::string(ATTUNE_SOURCE_DIR) + "/data/vocab/bert-base-uncased.txt"));
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  attune::fuzz::expect_only_attune_errors([&] { tokenizer.tokenize(text); });
  const std::string path = attune::fuzz::input_file(data, size, "vocab.txt");
  attune::fuzz::expect_only_attune_errors([&] { attune::BertTokenizer(attune::Vocab::load(path)); });
  return 0;
}
