#include "core/data/bert_tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"

namespace attune {
namespace bert_tokenizer_test {

using nlohmann::json;

std::string fixture(const std::string& name) {
  return std::string(ATTUNE_TEST_FIXTURES) + "/bert-tiny/" + name;
}

const json& reference() {
  static const json data = [] {
    std::ifstream in(fixture("tokenizer_reference.json"));
    EXPECT_TRUE(in) << "cannot open tokenizer_reference.json";
    return json::parse(in);
  }();
  return data;
}

const BertTokenizer& bert() {
  static const BertTokenizer tokenizer(Vocab::load(fixture("vocab.txt")));
  return tokenizer;
}

std::vector<std::string> strings(const json& j) {
  return j.get<std::vector<std::string>>();
}
std::vector<int64_t> ints(const json& j) {
  return j.get<std::vector<int64_t>>();
}

/// Compares ids and masks; `tokens` (if given) is the expected Encoding::tokens.
void expect_encoding(const Encoding& got, const json& want, const json* tokens) {
  EXPECT_EQ(got.input_ids, ints(want["input_ids"]));
  EXPECT_EQ(got.token_type_ids, ints(want["token_type_ids"]));
  EXPECT_EQ(got.attention_mask, ints(want["attention_mask"]));
  if (tokens != nullptr) {
    EXPECT_EQ(got.tokens, strings(*tokens));
  }
}

TEST(BertTokenizerReference, SettingsMatchDefaults) {
  const json& settings = reference()["settings"];
  EXPECT_TRUE(settings["do_lower_case"].get<bool>());
  EXPECT_TRUE(settings["strip_accents"].is_null());
  EXPECT_TRUE(settings["tokenize_chinese_chars"].get<bool>());
  EXPECT_EQ(settings["max_input_chars_per_word"].get<int64_t>(), 100);
  for (const auto& [token, id] : settings["special_ids"].items()) {
    EXPECT_EQ(bert().vocab().find(token), id.get<int64_t>()) << token;
  }
  EXPECT_EQ(bert().pad_id(), 0);
  EXPECT_EQ(bert().unk_id(), 100);
  EXPECT_EQ(bert().cls_id(), 101);
  EXPECT_EQ(bert().sep_id(), 102);
}

TEST(BertTokenizerReference, EverySentenceMatches) {
  const json& sentences = reference()["sentences"];
  ASSERT_EQ(sentences.size(), 32u);
  for (const json& s : sentences) {
    const std::string text = s["text"].get<std::string>();
    SCOPED_TRACE(s["name"].get<std::string>());
    EXPECT_EQ(bert().basic_tokenize(text), strings(s["basic_tokens"]));
    EXPECT_EQ(bert().tokenize(text), strings(s["tokens"]));
    EXPECT_EQ(bert().token_ids(text), ints(s["token_ids"]));
    // tokenizer(text) wraps the word pieces in [CLS] ... [SEP].
    json wrapped = json::array({"[CLS]"});
    for (const auto& token : s["tokens"]) wrapped.push_back(token);
    wrapped.push_back("[SEP]");
    expect_encoding(bert().encode(text), s, &wrapped);
  }
}

TEST(BertTokenizerReference, TextBytesMatchHex) {
  // Guards against the JSON parser altering control or invisible characters.
  for (const json& s : reference()["sentences"]) {
    const std::string text = s["text"].get<std::string>();
    std::string hex;
    for (const unsigned char c : text) hex += fmt::format("{:02x}", c);
    EXPECT_EQ(hex, s["text_utf8_hex"].get<std::string>()) << s["name"];
  }
}

TEST(BertTokenizerReference, EveryPairMatches) {
  const json& pairs = reference()["pairs"];
  ASSERT_EQ(pairs.size(), 5u);
  for (const json& p : pairs) {
    SCOPED_TRACE(p["name"].get<std::string>());
    const std::string a = p["text_a"].get<std::string>();
    const std::string b = p["text_b"].get<std::string>();
    EXPECT_EQ(bert().tokenize(a), strings(p["tokens_a"]));
    EXPECT_EQ(bert().tokenize(b), strings(p["tokens_b"]));
    const json& truncated = p["truncation_longest_first_max_length_16"];
    expect_encoding(bert().encode(a, b, 16), truncated, &truncated["tokens"]);
    const json& padded = p["truncation_and_padding_max_length_16"];
    expect_encoding(bert().encode(a, b, 16, true), padded, &padded["tokens"]);
  }
}

TEST(BertTokenizerReference, SingleTruncationMatches) {
  const json& t = reference()["single_truncation_max_length_16"];
  expect_encoding(bert().encode(t["text"].get<std::string>(), std::nullopt, 16), t, &t["tokens"]);
}

TEST(BertTokenizer, InvalidUtf8Throws) {
  const std::vector<std::string> bad = {"abc\xff",          "\xc3",        "\xc0\xaf", "\xed\xa0\x80",
                                        "\xf4\x90\x80\x80", "ok \xe2\x82", "\x80"};
  for (const auto& text : bad) {
    EXPECT_THROW(bert().tokenize(text), InputError);
    EXPECT_THROW(bert().token_ids(text), InputError);
    EXPECT_THROW(bert().basic_tokenize(text), InputError);
    EXPECT_THROW(bert().encode("fine", std::string_view(text)), InputError);
  }
  try {
    bert().tokenize("ab\xfe");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("offset 2"), std::string::npos) << e.what();
  }
}

TEST(BertTokenizer, EmptyAndWhitespace) {
  EXPECT_TRUE(bert().tokenize("").empty());
  EXPECT_TRUE(bert().basic_tokenize(" \u3000\u2028\t").empty());
  const Encoding enc = bert().encode("", std::string_view(""), 6, true);
  EXPECT_EQ(enc.input_ids, (std::vector<int64_t>{101, 102, 102, 0, 0, 0}));
  EXPECT_EQ(enc.token_type_ids, (std::vector<int64_t>{0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(enc.attention_mask, (std::vector<int64_t>{1, 1, 1, 0, 0, 0}));
}

TEST(BertTokenizer, VeryLongWordIsUnknown) {
  const std::string word(10000, 'a');
  EXPECT_EQ(bert().token_ids(word), std::vector<int64_t>{bert().unk_id()});
  EXPECT_EQ(bert().token_ids("x " + word + " x"), (std::vector<int64_t>{1060, 100, 1060}));
  // Counted in code points, not bytes: 100 two-byte letters still go to WordPiece.
  std::string accented;
  for (int i = 0; i < 100; ++i) accented += "\u00e9";
  EXPECT_NE(bert().token_ids(accented).front(), bert().unk_id());
}

TEST(BertTokenizer, SpecialTokensSplitOutOfWords) {
  // HF's added-token trie cuts specials out even inside a word; the basic
  // tokenizer alone keeps them only as whole words.
  EXPECT_EQ(bert().tokenize("a[MASK]b."), (std::vector<std::string>{"a", "[MASK]", "b", "."}));
  EXPECT_EQ(bert().basic_tokenize("a[MASK]b."), (std::vector<std::string>{"a", "[", "mask", "]", "b", "."}));
  EXPECT_EQ(bert().basic_tokenize("[CLS] [Cls]"), (std::vector<std::string>{"[CLS]", "[", "cls", "]"}));
}

TEST(BertTokenizer, FinalSigmaOnlyInBasicTokenize) {
  // BasicTokenizer lowers each word whole (Final_Sigma applies); tokenize()
  // first lowers character by character, as HF's pre-lowering regex does.
  BertTokenizerOptions options;
  options.strip_accents = false;
  const BertTokenizer t(Vocab::load(fixture("vocab.txt")), options);
  EXPECT_EQ(t.basic_tokenize("\u039f\u0394\u039f\u03a3. \u03a3"),
            (std::vector<std::string>{"\u03bf\u03b4\u03bf\u03c2", ".", "\u03c3"}));
  const auto tokens = t.tokenize("\u039f\u0394\u039f\u03a3");
  ASSERT_FALSE(tokens.empty());
  EXPECT_EQ(tokens.back().substr(tokens.back().size() - 2), "\u03c3");
  // U+0130 lowers to i + U+0307, as Python's str.lower does.
  EXPECT_EQ(t.basic_tokenize("\u0130"), std::vector<std::string>{"i\u0307"});
  EXPECT_EQ(bert().basic_tokenize("\u0130STANBUL"), std::vector<std::string>{"istanbul"});
}

TEST(BertTokenizer, CasedOptions) {
  BertTokenizerOptions options;
  options.lowercase = false;
  const BertTokenizer t(Vocab::load(fixture("vocab.txt")), options);
  EXPECT_EQ(t.basic_tokenize("Caf\u00e9 NA\u00cfVE, \u4e2d\u6587"),
            (std::vector<std::string>{"Caf\u00e9", "NA\u00cfVE", ",", "\u4e2d", "\u6587"}));
  options.strip_accents = true;
  const BertTokenizer s(Vocab::load(fixture("vocab.txt")), options);
  EXPECT_EQ(s.basic_tokenize("Caf\u00e9"), std::vector<std::string>{"Cafe"});
  options.tokenize_chinese_chars = false;
  const BertTokenizer c(Vocab::load(fixture("vocab.txt")), options);
  EXPECT_EQ(c.basic_tokenize("\u4e2d\u6587"), std::vector<std::string>{"\u4e2d\u6587"});
}

TEST(BertTokenizer, UnicodeCleanup) {
  // U+2028 survives _clean_text but str.split() splits on it; U+1FEF (Sk)
  // decomposes to a backtick, which is then split as punctuation.
  EXPECT_EQ(bert().basic_tokenize("a\u2028b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(bert().basic_tokenize("a\u1fefb"), (std::vector<std::string>{"a", "`", "b"}));
  // A control character inside a special token joins it back together.
  EXPECT_EQ(bert().basic_tokenize("[SE\x01P]"), std::vector<std::string>{"[SEP]"});
  // Code points new in Unicode 15 are unassigned for Python 3.11: dropped.
  EXPECT_EQ(bert().basic_tokenize("a\U0001FA75b"), std::vector<std::string>{"ab"});
}

TEST(BertTokenizer, TruncationEdgeCases) {
  // Single text: HF cannot cut 3 tokens from 1 and leaves it as is.
  EXPECT_EQ(bert().encode("hello", std::nullopt, 0).input_ids.size(), 3u);
  EXPECT_EQ(bert().encode("hello", std::nullopt, 1).input_ids.size(), 3u);
  EXPECT_EQ(bert().encode("hello world", std::nullopt, 3).input_ids, (std::vector<int64_t>{101, 7592, 102}));
  // Pairs: all content can go, the special tokens stay.
  EXPECT_EQ(bert().encode("hello world", std::string_view("hello"), 2).input_ids,
            (std::vector<int64_t>{101, 102, 102}));
  EXPECT_THROW(bert().encode("x", std::nullopt, -1), InputError);
}

TEST(BertTokenizer, MissingRequiredTokenThrows) {
  for (const std::string missing : {"[UNK]", "[CLS]", "[SEP]", "[PAD]"}) {
    std::vector<std::string> tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello"};
    tokens.erase(std::find(tokens.begin(), tokens.end(), missing));
    try {
      BertTokenizer t(Vocab::from_tokens(tokens, "vocab.txt"));
      FAIL() << "expected InputError for " << missing;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), "vocab.txt: missing required token " + missing);
    }
  }
  // [MASK] is optional: literal [MASK] then maps to [UNK], as in HF.
  const BertTokenizer t(Vocab::from_tokens({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "hi"}));
  EXPECT_EQ(t.token_ids("hi [MASK] yo"), (std::vector<int64_t>{4, 1, 1}));
  EXPECT_EQ(t.tokenize("[MASK]"), std::vector<std::string>{"[MASK]"});
}

TEST(BertTokenizer, CopiesAndThreadsAgree) {
  const BertTokenizer copy = bert();
  const std::string text = "Unaffable C++ caf\u00e9 \u6211\u7231 [SEP] end.";
  EXPECT_EQ(copy.token_ids(text), bert().token_ids(text));
  std::vector<int64_t> buffer = {7};
  bert().append_token_ids("hello", buffer);
  EXPECT_EQ(buffer, (std::vector<int64_t>{7, 7592}));

  // Scratch buffers are per thread: concurrent calls must not interfere.
  const json& sentences = reference()["sentences"];
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (const json& s : sentences) {
          const std::string text = s["text"].get<std::string>();
          if (bert().token_ids(text) != ints(s["token_ids"])) ++mismatches[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace bert_tokenizer_test
}  // namespace attune
