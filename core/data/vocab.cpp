#include "core/data/vocab.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/data/unicode_text.h"
#include "core/error.h"

namespace attune {
namespace {

// A small, fast hash for short byte strings (8 bytes per step).
uint64_t hash_bytes(std::string_view s) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  uint64_t h = 0xCBF29CE484222325ULL ^ (s.size() * kMul);
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t chunk;
    std::memcpy(&chunk, s.data() + i, 8);
    h = (h ^ chunk) * kMul;
    h ^= h >> 29;
  }
  if (i < s.size()) {
    uint64_t chunk = 0;
    std::memcpy(&chunk, s.data() + i, s.size() - i);
    h = (h ^ chunk) * kMul;
    h ^= h >> 29;
  }
  h *= kMul;
  return h ^ (h >> 32);
}

bool is_continuation(const std::string& token) {
  return token.size() >= 2 && token[0] == '#' && token[1] == '#';
}

}  // namespace

Vocab Vocab::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) input_error("{}: cannot open vocabulary file", path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) input_error("{}: cannot read vocabulary file", path);
  const std::string data = buffer.str();

  // Python's universal newlines: \n, \r\n and \r all end a line; a final
  // line without a newline still counts, an empty file has no lines.
  std::vector<std::string> tokens;
  size_t start = 0;
  while (start < data.size()) {
    size_t end = data.find_first_of("\r\n", start);
    if (end == std::string::npos) {
      tokens.emplace_back(data.substr(start));
      break;
    }
    tokens.emplace_back(data.substr(start, end - start));
    start = end + ((data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n') ? 2 : 1);
  }
  return from_tokens(std::move(tokens), path);
}

Vocab Vocab::from_tokens(std::vector<std::string> tokens, const std::string& origin) {
  if (tokens.empty()) input_error("{}: vocabulary is empty", origin);
  if (tokens.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    input_error("{}: vocabulary has too many tokens ({})", origin, tokens.size());
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (unicode::find_invalid_utf8(tokens[i]) != unicode::kValid) {
      input_error("{}:{}: not valid UTF-8", origin, i + 1);
    }
  }
  Vocab vocab;
  vocab.tokens_ = std::move(tokens);
  vocab.origin_ = origin;
  vocab.build_index();
  return vocab;
}

void Vocab::build_index() {
  size_t capacity = 16;
  while (capacity < tokens_.size() * 2) capacity *= 2;
  for (Table* table : {&full_, &continuation_}) {
    table->hashes.assign(capacity, 0);
    table->ids.assign(capacity, -1);
    table->mask = capacity - 1;
  }
  for (size_t id = 0; id < tokens_.size(); ++id) {
    const std::string& token = tokens_[id];
    const auto id32 = static_cast<int32_t>(id);
    insert(full_, hash_bytes(token), id32, 0);
    max_token_bytes_ = std::max(max_token_bytes_, token.size());
    if (is_continuation(token)) {
      insert(continuation_, hash_bytes(std::string_view(token).substr(2)), id32, 2);
      max_continuation_bytes_ = std::max(max_continuation_bytes_, token.size() - 2);
    }
  }
}

void Vocab::insert(Table& table, uint64_t hash, int32_t id, size_t skip) {
  const std::string_view key = std::string_view(tokens_[id]).substr(skip);
  for (uint64_t slot = hash & table.mask;; slot = (slot + 1) & table.mask) {
    const int32_t existing = table.ids[slot];
    if (existing < 0) {
      table.hashes[slot] = hash;
      table.ids[slot] = id;
      return;
    }
    if (table.hashes[slot] == hash && std::string_view(tokens_[existing]).substr(skip) == key) {
      table.ids[slot] = id;  // a repeated token keeps its last id, as in HF
      return;
    }
  }
}

int32_t Vocab::lookup(const Table& table, std::string_view key, size_t skip) const {
  const uint64_t hash = hash_bytes(key);
  for (uint64_t slot = hash & table.mask;; slot = (slot + 1) & table.mask) {
    const int32_t id = table.ids[slot];
    if (id < 0) return -1;
    if (table.hashes[slot] == hash) {
      const std::string& token = tokens_[id];
      if (token.size() == key.size() + skip && std::memcmp(token.data() + skip, key.data(), key.size()) == 0) {
        return id;
      }
    }
  }
}

std::optional<int64_t> Vocab::find(std::string_view token) const {
  const int32_t id = lookup(full_, token, 0);
  if (id < 0) return std::nullopt;
  return id;
}

std::optional<int64_t> Vocab::find_continuation(std::string_view suffix) const {
  const int32_t id = lookup(continuation_, suffix, 2);
  if (id < 0) return std::nullopt;
  return id;
}

int64_t Vocab::require(std::string_view token) const {
  const auto id = find(token);
  if (!id) input_error("{}: missing required token {}", origin_, token);
  return *id;
}

const std::string& Vocab::token(int64_t id) const {
  if (id < 0 || id >= size()) {
    input_error("{}: token id {} out of range [0, {})", origin_, id, size());
  }
  return tokens_[static_cast<size_t>(id)];
}

}  // namespace attune
