#include "core/data/vocab.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"

namespace attune {
namespace vocab_test {

namespace fs = std::filesystem;

std::string fixture(const std::string& name) {
  return std::string(ATTUNE_TEST_FIXTURES) + "/bert-tiny/" + name;
}

/// Writes `bytes` to a fresh file in the temp directory and removes it after.
class TempFile {
 public:
  explicit TempFile(const std::string& bytes) {
    path_ = (fs::temp_directory_path() / ("attune_vocab_test_" + std::to_string(reinterpret_cast<uintptr_t>(this)) +
                                          "_" + std::to_string(counter_++) + ".txt"))
                .string();
    std::ofstream out(path_, std::ios::binary);
    out << bytes;
  }
  ~TempFile() { fs::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  return "<no InputError>";
}

TEST(Vocab, LoadsBertVocab) {
  const Vocab vocab = Vocab::load(fixture("vocab.txt"));
  EXPECT_EQ(vocab.size(), 30522);
  EXPECT_EQ(vocab.find("[PAD]"), 0);
  EXPECT_EQ(vocab.find("[UNK]"), 100);
  EXPECT_EQ(vocab.find("[CLS]"), 101);
  EXPECT_EQ(vocab.find("[SEP]"), 102);
  EXPECT_EQ(vocab.find("[MASK]"), 103);
  EXPECT_EQ(vocab.find("the"), 1996);
  EXPECT_EQ(vocab.token(1996), "the");
  EXPECT_EQ(vocab.find("##s"), 2015);
  EXPECT_EQ(vocab.find_continuation("s"), 2015);
  EXPECT_FALSE(vocab.find("definitely-not-a-token"));
  EXPECT_FALSE(vocab.find_continuation("qqzzxx"));
  EXPECT_FALSE(vocab.find_continuation("##s"));
  EXPECT_EQ(vocab.origin(), fixture("vocab.txt"));
  // Every id round-trips, except where the file repeats a token.
  int64_t repeated = 0;
  for (int64_t id = 0; id < vocab.size(); ++id) {
    if (vocab.find(vocab.token(id)) != id) ++repeated;
  }
  EXPECT_EQ(repeated, 0);
}

TEST(Vocab, UniversalNewlinesAndEmptyLines) {
  TempFile file("a\r\nb\rc\n\n##d");
  const Vocab vocab = Vocab::load(file.path());
  ASSERT_EQ(vocab.size(), 5);
  EXPECT_EQ(vocab.token(0), "a");
  EXPECT_EQ(vocab.token(1), "b");
  EXPECT_EQ(vocab.token(2), "c");
  EXPECT_EQ(vocab.token(3), "");
  EXPECT_EQ(vocab.find(""), 3);
  EXPECT_EQ(vocab.find_continuation("d"), 4);
  EXPECT_EQ(vocab.max_token_bytes(), 3u);
  EXPECT_EQ(vocab.max_continuation_bytes(), 1u);
}

TEST(Vocab, RepeatedTokenKeepsLastId) {
  const Vocab vocab = Vocab::from_tokens({"x", "y", "x", "##x", "##x"});
  EXPECT_EQ(vocab.size(), 5);
  EXPECT_EQ(vocab.find("x"), 2);
  EXPECT_EQ(vocab.find_continuation("x"), 4);
  EXPECT_EQ(vocab.token(0), "x");
}

TEST(Vocab, CopyKeepsWorking) {
  Vocab copy = Vocab::from_tokens({"alpha", "##beta"});
  {
    const Vocab original = Vocab::from_tokens({"short", "##s", "a-much-longer-token-text"});
    copy = original;
  }
  EXPECT_EQ(copy.find("a-much-longer-token-text"), 2);
  EXPECT_EQ(copy.find_continuation("s"), 1);
  EXPECT_FALSE(copy.find("alpha"));
}

TEST(Vocab, Errors) {
  EXPECT_EQ(error_of([] { Vocab::load("/nonexistent/vocab.txt"); }),
            "/nonexistent/vocab.txt: cannot open vocabulary file");
  TempFile empty("");
  EXPECT_EQ(error_of([&] { Vocab::load(empty.path()); }), empty.path() + ": vocabulary is empty");
  TempFile bad("[PAD]\nok\n\xc3\x28\n");
  EXPECT_EQ(error_of([&] { Vocab::load(bad.path()); }), bad.path() + ":3: not valid UTF-8");
  EXPECT_EQ(error_of([] { Vocab::from_tokens({}); }), "<memory>: vocabulary is empty");
  const Vocab vocab = Vocab::from_tokens({"a"}, "vocab.txt");
  EXPECT_EQ(error_of([&] { vocab.require("[SEP]"); }), "vocab.txt: missing required token [SEP]");
  EXPECT_EQ(error_of([&] { vocab.token(1); }), "vocab.txt: token id 1 out of range [0, 1)");
  EXPECT_EQ(error_of([&] { vocab.token(-1); }), "vocab.txt: token id -1 out of range [0, 1)");
}

}  // namespace vocab_test
}  // namespace attune
