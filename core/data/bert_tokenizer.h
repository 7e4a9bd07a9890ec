#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/vocab.h"

namespace attune {

/// Settings of HF's BertTokenizer that change how text is split.
struct BertTokenizerOptions {
  bool lowercase = true;              // do_lower_case
  std::optional<bool> strip_accents;  // nullopt = follow lowercase, as HF does
  bool tokenize_chinese_chars = true;
  int64_t max_input_chars_per_word = 100;
};

/// One encoded text (or text pair), as HF's tokenizer(...) / encode_plus returns it.
struct Encoding {
  std::vector<std::string> tokens;  // including [CLS]/[SEP]/[PAD]
  std::vector<int64_t> input_ids;
  std::vector<int64_t> token_type_ids;
  std::vector<int64_t> attention_mask;
  /// Whether tokens were cut to fit max_length.
  bool truncated = false;
};

/// A C++ port of HuggingFace's slow BertTokenizer (transformers 4.29.2, as
/// loaded by from_pretrained) that gives identical tokens and ids: basic
/// tokenization (cleanup, CJK spacing, lowercasing, accent stripping,
/// punctuation split) followed by greedy longest-match-first WordPiece.
///
/// The literal special tokens [UNK] [SEP] [PAD] [CLS] [MASK] in text are kept
/// whole (case-sensitive). Text that is not valid UTF-8 throws InputError.
/// All methods are const and safe to call from several threads at once.
class BertTokenizer {
 public:
  /// Throws InputError naming the vocab file if it lacks [UNK], [CLS], [SEP]
  /// or [PAD].
  BertTokenizer(Vocab vocab, BertTokenizerOptions options = {});

  /// HF BasicTokenizer.tokenize(text, never_split=all_special_tokens): what
  /// tokenizer_reference.json calls basic_tokens.
  std::vector<std::string> basic_tokenize(std::string_view text) const;

  /// HF tokenizer.tokenize(text): word pieces, no special tokens added.
  std::vector<std::string> tokenize(std::string_view text) const;

  /// Word-piece ids of tokenize(text), no special tokens (fast path for datasets).
  std::vector<int64_t> token_ids(std::string_view text) const;

  /// Appends token_ids(text) to `out`, so a caller can reuse one buffer.
  void append_token_ids(std::string_view text, std::vector<int64_t>& out) const;

  /// HF tokenizer(text, text_pair, truncation=max_length>0, max_length=max_length,
  /// padding="max_length" if pad_to_max_length): [CLS] a [SEP] (b [SEP]), truncation
  /// strategy longest_first, token_type_ids 0 for a, 1 for b. Like HF, a
  /// single text too short to cut enough tokens from is left untruncated.
  Encoding encode(std::string_view text, std::optional<std::string_view> pair = std::nullopt, int64_t max_length = 0,
                  bool pad_to_max_length = false) const;

  /// The vocabulary the tokenizer maps pieces with.
  const Vocab& vocab() const { return vocab_; }

  /// The options in force.
  const BertTokenizerOptions& options() const { return options_; }

  /// Ids of the special tokens.
  int64_t pad_id() const { return pad_id_; }
  int64_t unk_id() const { return unk_id_; }
  int64_t cls_id() const { return cls_id_; }
  int64_t sep_id() const { return sep_id_; }

 private:
  struct Scratch;
  /// Per-thread buffers reused across calls.
  static Scratch& scratch();

  /// Splits text into basic tokens in s. `split_specials` applies HF's
  /// added-token trie first (tokenize); otherwise literal specials only
  /// survive as whole whitespace-delimited words (basic_tokenize).
  void split_basic(std::string_view text, bool split_specials, Scratch& s) const;
  void split_segment(std::string_view segment, bool final_sigma, Scratch& s) const;
  void split_ascii_segment(std::string_view segment, Scratch& s) const;
  static void push_ascii_word(const char32_t* word, size_t size, Scratch& s);
  void process_word(const char32_t* word, size_t size, bool final_sigma, Scratch& s) const;
  /// Appends the WordPiece ids of one basic token.
  void wordpiece(std::string_view piece, size_t chars, Scratch& s, std::vector<int64_t>& out) const;

  Vocab vocab_;
  BertTokenizerOptions options_;
  bool strip_accents_;
  int64_t pad_id_, unk_id_, cls_id_, sep_id_;
  std::array<int64_t, 5> special_ids_{};  // ids of kSpecialTokens, unk if absent
};

}  // namespace attune
