#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

/// Unicode helpers that mirror the Python 3.11 (Unicode 14.0) semantics HF's
/// slow BERT tokenizer relies on: unicodedata.category, str.isspace, str.lower
/// and unicodedata.normalize("NFD"). Backed by utf8proc.
namespace attune::unicode {

/// Returned by find_invalid_utf8 when the whole string is valid.
constexpr size_t kValid = static_cast<size_t>(-1);

/// Byte offset of the first byte that is not part of strict UTF-8 (overlong
/// forms, surrogates and code points above U+10FFFF are rejected, as Python's
/// decoder does), or kValid.
size_t find_invalid_utf8(std::string_view text);

/// True when every byte is below 0x80.
bool is_ascii(std::string_view text);

/// Decodes the code point at `pos` of already validated UTF-8 and advances pos.
inline char32_t decode_valid(std::string_view text, size_t& pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  if (lead < 0xE0) {
    char32_t cp = ((lead & 0x1Fu) << 6) | (byte(pos + 1) & 0x3Fu);
    pos += 2;
    return cp;
  }
  if (lead < 0xF0) {
    char32_t cp = ((lead & 0x0Fu) << 12) | ((byte(pos + 1) & 0x3Fu) << 6) | (byte(pos + 2) & 0x3Fu);
    pos += 3;
    return cp;
  }
  char32_t cp = ((lead & 0x07u) << 18) | ((byte(pos + 1) & 0x3Fu) << 12) | ((byte(pos + 2) & 0x3Fu) << 6) |
                (byte(pos + 3) & 0x3Fu);
  pos += 4;
  return cp;
}

/// Appends the UTF-8 encoding of a valid code point.
void append_utf8(std::string& out, char32_t cp);

/// utf8proc's general category (UTF8PROC_CATEGORY_*), except that code points
/// first assigned in Unicode 15.0 report Cn, as Python 3.11's unicodedata does.
int category(char32_t cp);

/// HF _is_control: category C* except tab, newline and carriage return.
bool is_control(char32_t cp);

/// HF _is_whitespace: space, \t, \n, \r or category Zs.
bool is_whitespace(char32_t cp);

/// HF _is_punctuation: ASCII non-alphanumeric symbols or category P*.
bool is_punctuation(char32_t cp);

/// HF _is_chinese_char: the CJK Unified Ideograph blocks BERT was trained with.
bool is_chinese(char32_t cp);

/// Python str.isspace for one character (what str.split() splits on).
bool is_py_space(char32_t cp);

/// Appends Python's str.lower() of `word` (one whitespace-delimited token).
/// With `final_sigma`, U+03A3 becomes U+03C2 in the Final_Sigma context as
/// Python computes it over the whole string; without it every character is
/// lowered alone (which is what HF's per-character pre-lowering regex does).
void append_lower(const char32_t* word, size_t size, bool final_sigma, std::vector<char32_t>& out);

/// Appends HF _run_strip_accents(word): NFD, then drop category Mn.
void append_strip_accents(const char32_t* word, size_t size, std::vector<char32_t>& out);

}  // namespace attune::unicode
