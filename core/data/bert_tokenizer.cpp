#include "core/data/bert_tokenizer.h"

#include <algorithm>

#include "core/data/unicode_text.h"
#include "core/error.h"

namespace attune {
namespace {

// HF's all_special_tokens order for BertTokenizer.
constexpr std::string_view kSpecialTokens[] = {"[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"};

// Index of the special token that `text` starts with, or -1.
int special_prefix(std::string_view text) {
  for (int k = 0; k < 5; ++k) {
    if (text.substr(0, kSpecialTokens[k].size()) == kSpecialTokens[k]) return k;
  }
  return -1;
}

bool is_ascii_punctuation(unsigned char c) {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
}

// True if the code points spell exactly one of kSpecialTokens.
bool is_special_word(const char32_t* word, size_t size) {
  if ((size != 5 && size != 6) || word[0] != '[') return false;
  char literal[6];
  for (size_t i = 0; i < size; ++i) {
    if (word[i] >= 0x80) return false;
    literal[i] = static_cast<char>(word[i]);
  }
  const int k = special_prefix(std::string_view(literal, size));
  return k >= 0 && kSpecialTokens[k].size() == size;
}

void check_utf8(std::string_view text) {
  const size_t bad = unicode::find_invalid_utf8(text);
  if (bad != unicode::kValid) {
    input_error("text is not valid UTF-8: byte 0x{:02X} at offset {}", static_cast<unsigned char>(text[bad]), bad);
  }
}

}  // namespace

struct BertTokenizer::Scratch {
  struct Piece {
    size_t offset;
    size_t size;
    size_t chars;  // code points, for max_input_chars_per_word
    int special;   // index into kSpecialTokens when split out whole, else -1
  };

  std::vector<char32_t> cleaned;  // segment after _clean_text and CJK spacing
  std::vector<char32_t> lowered;
  std::vector<char32_t> stripped;
  std::string ascii;             // cleaned ASCII segment
  std::string bytes;             // UTF-8 text of all pieces
  std::vector<Piece> pieces;     // the basic tokens, in order
  std::vector<int64_t> sub_ids;  // word pieces of the current word

  void push_piece(size_t offset, size_t chars, int special = -1) {
    pieces.push_back({offset, bytes.size() - offset, chars, special});
  }
  std::string_view text(const Piece& p) const { return std::string_view(bytes).substr(p.offset, p.size); }
};

void BertTokenizer::push_ascii_word(const char32_t* word, size_t size, Scratch& s) {
  const size_t offset = s.bytes.size();
  for (size_t i = 0; i < size; ++i) s.bytes.push_back(static_cast<char>(word[i]));
  s.push_piece(offset, size);
}

BertTokenizer::Scratch& BertTokenizer::scratch() {
  thread_local Scratch s;
  return s;
}

BertTokenizer::BertTokenizer(Vocab vocab, BertTokenizerOptions options) : vocab_(std::move(vocab)), options_(options) {
  // HF: strip_accents=None follows do_lower_case.
  strip_accents_ = options_.strip_accents.value_or(options_.lowercase);
  unk_id_ = vocab_.require("[UNK]");
  sep_id_ = vocab_.require("[SEP]");
  pad_id_ = vocab_.require("[PAD]");
  cls_id_ = vocab_.require("[CLS]");
  // HF maps a special token missing from the vocab (here only [MASK] can be)
  // to [UNK] when converting to ids.
  for (int k = 0; k < 5; ++k) special_ids_[k] = vocab_.find(kSpecialTokens[k]).value_or(unk_id_);
}

void BertTokenizer::split_basic(std::string_view text, bool split_specials, Scratch& s) const {
  check_utf8(text);
  s.bytes.clear();
  s.pieces.clear();
  if (!split_specials) {
    split_segment(text, /*final_sigma=*/true, s);
    return;
  }
  // HF's trie split on the special tokens. The text between them was lowered
  // one character at a time by HF's pre-lowering regex, so Final_Sigma never
  // applies there. Whitespace stripped around specials would vanish anyway.
  size_t segment_start = 0;
  size_t pos = 0;
  while ((pos = text.find('[', pos)) != std::string_view::npos) {
    const int k = special_prefix(text.substr(pos));
    if (k < 0) {
      ++pos;
      continue;
    }
    split_segment(text.substr(segment_start, pos - segment_start), false, s);
    const size_t offset = s.bytes.size();
    s.bytes.append(kSpecialTokens[k]);
    s.push_piece(offset, kSpecialTokens[k].size(), k);
    pos += kSpecialTokens[k].size();
    segment_start = pos;
  }
  split_segment(text.substr(segment_start), false, s);
}

void BertTokenizer::split_segment(std::string_view segment, bool final_sigma, Scratch& s) const {
  if (segment.empty()) return;
  if (unicode::is_ascii(segment)) {
    split_ascii_segment(segment, s);
    return;
  }
  // _clean_text and _tokenize_chinese_chars.
  s.cleaned.clear();
  size_t pos = 0;
  while (pos < segment.size()) {
    const char32_t cp = unicode::decode_valid(segment, pos);
    if (cp == 0 || cp == 0xFFFD || unicode::is_control(cp)) continue;
    if (unicode::is_whitespace(cp)) {
      s.cleaned.push_back(' ');
    } else if (options_.tokenize_chinese_chars && unicode::is_chinese(cp)) {
      s.cleaned.push_back(' ');
      s.cleaned.push_back(cp);
      s.cleaned.push_back(' ');
    } else {
      s.cleaned.push_back(cp);
    }
  }
  // whitespace_tokenize: str.split() also splits on U+2028/U+2029, which
  // _clean_text keeps.
  const char32_t* data = s.cleaned.data();
  const size_t n = s.cleaned.size();
  size_t i = 0;
  while (i < n) {
    while (i < n && unicode::is_py_space(data[i])) ++i;
    const size_t start = i;
    while (i < n && !unicode::is_py_space(data[i])) ++i;
    if (i > start) process_word(data + start, i - start, final_sigma, s);
  }
}

void BertTokenizer::process_word(const char32_t* word, size_t size, bool final_sigma, Scratch& s) const {
  // never_split: a word that is exactly a special token is kept verbatim.
  if (is_special_word(word, size)) {
    push_ascii_word(word, size, s);
    return;
  }
  const char32_t* w = word;
  size_t n = size;
  if (options_.lowercase) {
    s.lowered.clear();
    unicode::append_lower(w, n, final_sigma, s.lowered);
    w = s.lowered.data();
    n = s.lowered.size();
  }
  if (strip_accents_) {
    s.stripped.clear();
    unicode::append_strip_accents(w, n, s.stripped);
    w = s.stripped.data();
    n = s.stripped.size();
  }
  // _run_split_on_punc checks never_split again, after accent stripping, so
  // e.g. a cased "[SEP]" followed by a variation selector survives whole.
  if (w != word && is_special_word(w, n)) {
    push_ascii_word(w, n, s);
    return;
  }
  // _run_split_on_punc: each punctuation character is a token of its own.
  size_t offset = s.bytes.size();
  size_t chars = 0;
  for (size_t i = 0; i < n; ++i) {
    if (unicode::is_punctuation(w[i])) {
      if (chars > 0) s.push_piece(offset, chars);
      offset = s.bytes.size();
      unicode::append_utf8(s.bytes, w[i]);
      s.push_piece(offset, 1);
      offset = s.bytes.size();
      chars = 0;
    } else {
      unicode::append_utf8(s.bytes, w[i]);
      ++chars;
    }
  }
  if (chars > 0) s.push_piece(offset, chars);
}

void BertTokenizer::split_ascii_segment(std::string_view segment, Scratch& s) const {
  // _clean_text on ASCII: drop C0 controls and DEL, turn \t \n \r into spaces
  // (\v, \f and 0x1C-0x1F are Cc, so they are dropped, not split on).
  s.ascii.clear();
  for (const char ch : segment) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\t' || c == '\n' || c == '\r') {
      s.ascii.push_back(' ');
    } else if (c >= 0x20 && c != 0x7F) {
      s.ascii.push_back(ch);
    }
  }
  const std::string_view cleaned = s.ascii;
  size_t i = 0;
  while (i < cleaned.size()) {
    while (i < cleaned.size() && cleaned[i] == ' ') ++i;
    const size_t start = i;
    while (i < cleaned.size() && cleaned[i] != ' ') ++i;
    if (i == start) break;
    const std::string_view word = cleaned.substr(start, i - start);
    const int k = word[0] == '[' ? special_prefix(word) : -1;
    if (k >= 0 && kSpecialTokens[k].size() == word.size()) {
      const size_t offset = s.bytes.size();
      s.bytes.append(word);
      s.push_piece(offset, word.size());  // never_split: kept verbatim
      continue;
    }
    size_t offset = s.bytes.size();
    for (const char ch : word) {
      const auto c = static_cast<unsigned char>(ch);
      if (is_ascii_punctuation(c)) {
        if (s.bytes.size() > offset) s.push_piece(offset, s.bytes.size() - offset);
        s.bytes.push_back(ch);
        s.push_piece(s.bytes.size() - 1, 1);
        offset = s.bytes.size();
      } else {
        const bool upper = c >= 'A' && c <= 'Z';
        s.bytes.push_back(options_.lowercase && upper ? static_cast<char>(c + 32) : ch);
      }
    }
    if (s.bytes.size() > offset) s.push_piece(offset, s.bytes.size() - offset);
  }
}

void BertTokenizer::wordpiece(std::string_view piece, size_t chars, Scratch& s, std::vector<int64_t>& out) const {
  if (static_cast<int64_t>(chars) > options_.max_input_chars_per_word) {
    out.push_back(unk_id_);
    return;
  }
  auto is_tail = [&](size_t i) { return (static_cast<unsigned char>(piece[i]) & 0xC0) == 0x80; };
  s.sub_ids.clear();
  size_t start = 0;
  while (start < piece.size()) {
    // Greedy longest match; candidates longer than any vocab entry can't match.
    const size_t limit = start == 0 ? vocab_.max_token_bytes() : vocab_.max_continuation_bytes();
    size_t end = std::min(piece.size(), start + limit);
    while (end > start && end < piece.size() && is_tail(end)) --end;
    std::optional<int64_t> id;
    while (end > start) {
      const std::string_view sub = piece.substr(start, end - start);
      id = start == 0 ? vocab_.find(sub) : vocab_.find_continuation(sub);
      if (id) break;
      --end;
      while (end > start && is_tail(end)) --end;
    }
    if (!id) {
      out.push_back(unk_id_);  // one unmatched position makes the whole word [UNK]
      return;
    }
    s.sub_ids.push_back(*id);
    start = end;
  }
  out.insert(out.end(), s.sub_ids.begin(), s.sub_ids.end());
}

std::vector<std::string> BertTokenizer::basic_tokenize(std::string_view text) const {
  Scratch& s = scratch();
  split_basic(text, /*split_specials=*/false, s);
  std::vector<std::string> out;
  out.reserve(s.pieces.size());
  for (const auto& piece : s.pieces) out.emplace_back(s.text(piece));
  return out;
}

std::vector<std::string> BertTokenizer::tokenize(std::string_view text) const {
  Scratch& s = scratch();
  split_basic(text, /*split_specials=*/true, s);
  std::vector<std::string> out;
  std::vector<int64_t> ids;
  for (const auto& piece : s.pieces) {
    if (piece.special >= 0) {
      out.emplace_back(kSpecialTokens[piece.special]);  // HF returns the literal text
      continue;
    }
    ids.clear();
    wordpiece(s.text(piece), piece.chars, s, ids);
    for (const int64_t id : ids) out.push_back(vocab_.token(id));
  }
  return out;
}

std::vector<int64_t> BertTokenizer::token_ids(std::string_view text) const {
  std::vector<int64_t> out;
  append_token_ids(text, out);
  return out;
}

void BertTokenizer::append_token_ids(std::string_view text, std::vector<int64_t>& out) const {
  Scratch& s = scratch();
  split_basic(text, /*split_specials=*/true, s);
  for (const auto& piece : s.pieces) {
    if (piece.special >= 0) {
      out.push_back(special_ids_[piece.special]);
    } else {
      wordpiece(s.text(piece), piece.chars, s, out);
    }
  }
}

Encoding BertTokenizer::encode(std::string_view text, std::optional<std::string_view> pair, int64_t max_length,
                               bool pad_to_max_length) const {
  if (max_length < 0) input_error("max_length must be >= 0, got {}", max_length);
  std::vector<int64_t> a = token_ids(text);
  std::vector<int64_t> b;
  if (pair) b = token_ids(*pair);

  const size_t specials = pair ? 3 : 2;
  const size_t total = a.size() + b.size() + specials;
  const auto limit = static_cast<size_t>(max_length);
  if (max_length > 0 && total > limit) {
    const size_t remove = total - limit;
    if (!pair) {
      // HF only logs an error when the text itself is too short to cut.
      if (a.size() > remove) a.resize(a.size() - remove);
    } else {
      // longest_first: one token at a time from the longer side; ties cut b.
      for (size_t i = 0; i < remove; ++i) {
        if (a.size() > b.size()) {
          a.pop_back();
        } else if (!b.empty()) {
          b.pop_back();
        }
      }
    }
  }

  Encoding enc;
  enc.truncated = max_length > 0 && total > limit;
  auto push = [&](int64_t id, int64_t type) {
    enc.input_ids.push_back(id);
    enc.token_type_ids.push_back(type);
    enc.attention_mask.push_back(1);
  };
  push(cls_id_, 0);
  for (const int64_t id : a) push(id, 0);
  push(sep_id_, 0);
  if (pair) {
    for (const int64_t id : b) push(id, 1);
    push(sep_id_, 1);
  }
  if (pad_to_max_length && max_length > 0) {
    while (enc.input_ids.size() < limit) {
      enc.input_ids.push_back(pad_id_);
      enc.token_type_ids.push_back(0);
      enc.attention_mask.push_back(0);
    }
  }
  enc.tokens.reserve(enc.input_ids.size());
  for (const int64_t id : enc.input_ids) enc.tokens.push_back(vocab_.token(id));
  return enc;
}

}  // namespace attune
