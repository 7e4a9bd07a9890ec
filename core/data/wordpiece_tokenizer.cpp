// `wordpiece`: HuggingFace's BertTokenizer over a vocab.txt.
#include "core/data/bert_tokenizer.h"
#include "core/data/tokenizer.h"

ATTUNE_DEFINE_REGISTRY(attune::TokenizerKind)

namespace attune {
namespace {

struct WordPieceOptions {
  std::string vocab;
  bool lowercase = true;
  std::optional<bool> strip_accents;
  bool tokenize_chinese_chars = true;
  static void declare(config::Schema<WordPieceOptions>& s) {
    s.field("vocab", &WordPieceOptions::vocab, "vocab.txt: one token per line, line index = id").required().path();
    s.field("lowercase", &WordPieceOptions::lowercase, "lower-case text first (uncased models)");
    s.field("strip_accents", &WordPieceOptions::strip_accents,
            "remove accents; null = whatever lowercase says, as HuggingFace does");
    s.field("tokenize_chinese_chars", &WordPieceOptions::tokenize_chinese_chars,
            "split CJK ideographs into single tokens");
  }
};

class WordPieceTokenizer : public Tokenizer {
 public:
  using Options = WordPieceOptions;
  WordPieceTokenizer(const Options& options, const TokenizerArgs&)
      : bert_(Vocab::load(options.vocab), to_bert_options(options)) {}

  EncodedIds encode(std::string_view text, std::optional<std::string_view> pair, int64_t max_length) const override {
    EncodedIds result;
    if (pair) {
      Encoding encoding = bert_.encode(text, pair, max_length);
      result.input_ids = std::move(encoding.input_ids);
      result.token_type_ids = std::move(encoding.token_type_ids);
      result.truncated = encoding.truncated;
      return result;
    }
    // Single texts (the common case) skip building token strings.
    std::vector<int64_t> ids = bert_.token_ids(text);
    if (max_length > 0 && static_cast<int64_t>(ids.size()) > max_length - 2) {
      ids.resize(static_cast<size_t>(std::max<int64_t>(max_length - 2, 0)));
      result.truncated = true;
    }
    result.input_ids.reserve(ids.size() + 2);
    result.input_ids.push_back(bert_.cls_id());
    result.input_ids.insert(result.input_ids.end(), ids.begin(), ids.end());
    result.input_ids.push_back(bert_.sep_id());
    result.token_type_ids.assign(result.input_ids.size(), 0);
    return result;
  }

  int64_t vocab_size() const override { return bert_.vocab().size(); }
  int64_t pad_id() const override { return bert_.pad_id(); }

 private:
  static BertTokenizerOptions to_bert_options(const Options& o) {
    BertTokenizerOptions result;
    result.lowercase = o.lowercase;
    result.strip_accents = o.strip_accents;
    result.tokenize_chinese_chars = o.tokenize_chinese_chars;
    return result;
  }

  BertTokenizer bert_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_TOKENIZER("wordpiece", attune::WordPieceTokenizer,
                          "BERT's WordPiece, exactly as HuggingFace's BertTokenizer")
