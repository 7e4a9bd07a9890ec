#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attune {

/// A WordPiece vocabulary: token strings and their ids (the 0-based line
/// index in vocab.txt). Lookups take string_views and never allocate.
///
/// As in HF's load_vocab, a token that appears twice maps to its last id,
/// while token(id) still returns each line's text.
class Vocab {
 public:
  /// Reads a vocab.txt: one token per line, the line index (0-based) is its id.
  /// Lines end in \n, \r\n or \r (Python's universal newlines). Throws
  /// InputError if the file cannot be read, is empty or is not valid UTF-8.
  static Vocab load(const std::string& path);

  /// For tests and programmatic use. Throws InputError for an empty list or a
  /// token that is not valid UTF-8.
  static Vocab from_tokens(std::vector<std::string> tokens, const std::string& origin = "<memory>");

  /// Number of ids (lines), duplicates included.
  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }

  /// The id of `token`, if present.
  std::optional<int64_t> find(std::string_view token) const;

  /// The id of "##" + `suffix` (a WordPiece continuation), if present; avoids
  /// building the prefixed string.
  std::optional<int64_t> find_continuation(std::string_view suffix) const;

  /// The id of `token`; throws InputError naming origin() when it is missing.
  int64_t require(std::string_view token) const;

  /// The text of id `id`; throws InputError when out of range.
  const std::string& token(int64_t id) const;

  /// Where the vocabulary came from (the file path), for messages.
  const std::string& origin() const { return origin_; }

  /// Longest token in bytes, and longest continuation suffix (after "##").
  size_t max_token_bytes() const { return max_token_bytes_; }
  size_t max_continuation_bytes() const { return max_continuation_bytes_; }

 private:
  /// Open-addressing table of ids; keys are compared against tokens_, so the
  /// table stays valid when the Vocab is copied or moved.
  struct Table {
    std::vector<uint64_t> hashes;
    std::vector<int32_t> ids;  // -1 = empty slot
    uint64_t mask = 0;
  };

  Vocab() = default;
  void build_index();
  void insert(Table& table, uint64_t hash, int32_t id, size_t skip);
  int32_t lookup(const Table& table, std::string_view key, size_t skip) const;

  std::vector<std::string> tokens_;
  std::string origin_;
  Table full_;          // every token
  Table continuation_;  // tokens starting with "##", keyed by the rest
  size_t max_token_bytes_ = 0;
  size_t max_continuation_bytes_ = 0;
};

}  // namespace attune
