#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/registry/component.h"
#include "core/registry/registry.h"

namespace attune {

/// Token ids of one text or text pair, special tokens included.
struct EncodedIds {
  std::vector<int64_t> input_ids;
  std::vector<int64_t> token_type_ids;
  /// Whether tokens were cut to fit max_length.
  bool truncated = false;
};

/// Turns text into model input ids.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  /// `[CLS] text [SEP]` (or `[CLS] text [SEP] pair [SEP]`), truncated to
  /// `max_length` tokens in all (0 = no limit).
  virtual EncodedIds encode(std::string_view text, std::optional<std::string_view> pair, int64_t max_length) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual int64_t pad_id() const = 0;
};

struct TokenizerArgs {};

/// Registry traits for tokenizers (`data.tokenizer.type`).
struct TokenizerKind {
  using Base = Tokenizer;
  using Args = TokenizerArgs;
  static constexpr const char* kName = "tokenizer";
  static constexpr const char* kPlural = "tokenizers";
};
template <>
Registry<TokenizerKind>& registry<TokenizerKind>();

}  // namespace attune

#define ATTUNE_REGISTER_TOKENIZER(NAME, CLASS, HELP) ATTUNE_REGISTER(::attune::TokenizerKind, NAME, CLASS, HELP)
