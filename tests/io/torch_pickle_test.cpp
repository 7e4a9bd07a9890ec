#include "core/io/torch_pickle.h"

#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <string>

#include "core/error.h"
#include "core/io/safetensors.h"
#include "tests/support/test_support.h"

namespace attune {
namespace torch_pickle_test {

using testing::TempDir;
using testing::write_text;

const std::string kFixtures = ATTUNE_TEST_FIXTURES;

// Checks that `body` throws an InputError naming `path` and `problem`.
template <typename Body>
void expect_input_error(Body body, const std::string& path, const std::string& problem) {
  try {
    body();
    ADD_FAILURE() << "no error; expected: " << problem;
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << "expected `" << problem << "` in: " << message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an InputError: " << e.what();
  }
}

// Emits pickle opcodes by hand, for archives torch.save would never write.
struct Pickle {
  std::string bytes = "\x80\x02";
  Pickle& op(const std::string& code) { return bytes += code, *this; }
  Pickle& str(const std::string& text) {
    bytes += 'X';
    for (int i = 0; i < 4; ++i) bytes += static_cast<char>((text.size() >> (8 * i)) & 0xff);
    return op(text);
  }
  Pickle& int1(uint8_t value) { return op("K").op(std::string(1, static_cast<char>(value))); }
  Pickle& global(const std::string& module, const std::string& name) { return op("c" + module + "\n" + name + "\n"); }
  Pickle& ints(const std::vector<uint8_t>& values) {
    op("(");
    for (uint8_t value : values) int1(value);
    return op("t");
  }
  // _rebuild_tensor_v2(storage(key, FloatStorage, numel), offset, sizes, strides, False, OrderedDict())
  Pickle& tensor(const std::string& key, uint8_t numel, uint8_t offset, const std::vector<uint8_t>& sizes,
                 const std::vector<uint8_t>& strides) {
    global("torch._utils", "_rebuild_tensor_v2").op("((").str("storage").global("torch", "FloatStorage").str(key);
    str("cpu").int1(numel).op("tQ").int1(offset).ints(sizes).ints(strides).op("\x89");
    return global("collections", "OrderedDict").op(")Rt").op("R");
  }
  Pickle& stop() { return op("."); }
};

// Writes a torch.save-style zip (PyTorchStreamWriter adds the archive folder and `version`).
void write_archive(const std::string& path, const std::map<std::string, std::string>& records) {
  caffe2::serialize::PyTorchStreamWriter writer(path);
  for (const auto& [name, data] : records) writer.writeRecord(name, data.data(), data.size());
  writer.writeEndOfFile();
}

std::string floats(std::initializer_list<float> values) {
  return std::string(reinterpret_cast<const char*>(values.begin()), values.size() * sizeof(float));
}

TEST(TorchPickle, BertTinyMatchesSafetensorsBitForBit) {
  const StateDict bin = read_torch_state_dict(kFixtures + "/bert-tiny/pytorch_model.bin");
  const StateDict safetensors = read_safetensors(kFixtures + "/bert-tiny/model.safetensors");
  ASSERT_EQ(bin.size(), 42u);
  ASSERT_EQ(safetensors.size(), 42u);
  for (const auto& [name, tensor] : bin) {
    const torch::Tensor* other = find(safetensors, name);
    ASSERT_NE(other, nullptr) << name;
    EXPECT_EQ(tensor.scalar_type(), other->scalar_type()) << name;
    EXPECT_EQ(tensor.sizes(), other->sizes()) << name;
    EXPECT_TRUE(torch::equal(tensor, *other)) << name;
  }
  // state_dict() order: embeddings first, the classifier last.
  EXPECT_EQ(bin.front().first, "bert.embeddings.position_ids");
  EXPECT_EQ(bin.back().first, "classifier.bias");
  EXPECT_EQ(find(bin, "bert.embeddings.word_embeddings.weight")->sizes(), torch::IntArrayRef({30522, 32}));
}

torch::ScalarType dtype_named(const std::string& name) {
  static const std::map<std::string, torch::ScalarType> dtypes = {
      {"float32", torch::kFloat32}, {"float16", torch::kFloat16}, {"bfloat16", torch::kBFloat16},
      {"float64", torch::kFloat64}, {"int64", torch::kInt64},     {"int32", torch::kInt32},
      {"int16", torch::kInt16},     {"int8", torch::kInt8},       {"uint8", torch::kUInt8},
      {"bool", torch::kBool}};
  return dtypes.at(name);
}

// Compares every tensor with the values Python wrote into tiny.json (exactly: f16/bf16 widen to float losslessly).
void expect_matches_python(const StateDict& weights, const std::string& file) {
  const auto reference = nlohmann::json::parse(testing::read_text(kFixtures + "/state_dicts/tiny.json"));
  ASSERT_EQ(weights.size(), reference["order"].size()) << file;
  for (size_t i = 0; i < weights.size(); ++i) {
    const auto& [name, tensor] = weights[i];
    SCOPED_TRACE(file + ": " + name);
    EXPECT_EQ(name, reference["order"][i].get<std::string>());
    const auto& expected = reference["tensors"][name];
    ASSERT_EQ(tensor.scalar_type(), dtype_named(expected["dtype"]));
    EXPECT_EQ(tensor.sizes().vec(), expected["shape"].get<std::vector<int64_t>>());
    const torch::Tensor flat = tensor.reshape(-1);
    ASSERT_EQ(static_cast<size_t>(flat.numel()), expected["values"].size());
    for (int64_t j = 0; j < flat.numel(); ++j) {
      const auto& value = expected["values"][j];
      if (tensor.is_floating_point()) {
        EXPECT_EQ(flat[j].item<double>(), value.get<double>()) << j;
      } else if (tensor.scalar_type() == torch::kBool) {
        EXPECT_EQ(flat[j].item<bool>(), value.get<bool>()) << j;
      } else {
        EXPECT_EQ(flat[j].item<int64_t>(), value.get<int64_t>()) << j;
      }
    }
  }
}

TEST(TorchPickle, TinyFixturesInBothFormatsMatchPython) {
  expect_matches_python(read_torch_state_dict(kFixtures + "/state_dicts/tiny.pt"), "tiny.pt");
  expect_matches_python(read_safetensors(kFixtures + "/state_dicts/tiny.safetensors"), "tiny.safetensors");
}

TEST(TorchPickle, ReadsParametersAndPickleProtocol4) {
  // keep_vars=True: _rebuild_parameter, and the tied weight is one Python object (a memo reference).
  const StateDict weights = read_torch_state_dict(kFixtures + "/state_dicts/tiny_p4.pt");
  expect_matches_python(weights, "tiny_p4.pt");
  EXPECT_TRUE(find(weights, "decoder.weight")->is_same(*find(weights, "embed.weight")));
}

TEST(TorchPickle, TensorsSharingAStorageShareMemory) {
  const StateDict weights = read_torch_state_dict(kFixtures + "/state_dicts/tiny.pt");
  const torch::Tensor base = *find(weights, "base"), transposed = *find(weights, "base_t");
  const torch::Tensor slice = *find(weights, "base_slice");
  EXPECT_EQ(transposed.strides(), torch::IntArrayRef({1, 4}));
  EXPECT_EQ(slice.storage_offset(), 5);
  EXPECT_EQ(slice.strides(), torch::IntArrayRef({4, 1}));
  EXPECT_EQ(transposed.data_ptr(), base.data_ptr());
  EXPECT_EQ(find(weights, "decoder.weight")->data_ptr(), find(weights, "embed.weight")->data_ptr());
  base[1][1].fill_(-1);  // one storage: the views see the write
  EXPECT_EQ(transposed[1][1].item<float>(), -1);
  EXPECT_EQ(slice[0][0].item<float>(), -1);
}

TEST(TorchPickle, ReadsHandWrittenArchive) {
  // The base case the corrupt archives below depart from: a view with storage offset 1 into a 4-float storage.
  TempDir dir;
  const std::string path = dir.file("hand.pt");
  write_archive(path, {{"data.pkl", Pickle().op("}(").str("w").tensor("0", 4, 1, {3}, {1}).op("u").stop().bytes},
                       {"data/0", floats({1, 2, 3, 4})}});
  const StateDict weights = read_torch_state_dict(path);
  ASSERT_EQ(weights.size(), 1u);
  EXPECT_TRUE(torch::equal(weights[0].second, torch::tensor({2.0f, 3.0f, 4.0f})));
}

TEST(TorchPickle, RejectsBadFilesWithClearMessages) {
  TempDir dir;
  const std::string path = dir.file("bad.pt");
  const auto expect_file_rejected = [&](const std::string& content, const std::string& problem) {
    write_text(path, content);
    expect_input_error([&] { read_torch_state_dict(path); }, path, problem);
  };
  const auto expect_archive_rejected = [&](const std::map<std::string, std::string>& records,
                                           const std::string& problem) {
    write_archive(path, records);
    expect_input_error([&] { read_torch_state_dict(path); }, path, problem);
  };
  const std::string storage = floats({1, 2, 3, 4});
  const auto one_tensor = [](uint8_t numel, uint8_t offset, std::vector<uint8_t> sizes, std::vector<uint8_t> strides) {
    return Pickle().op("}(").str("w").tensor("0", numel, offset, sizes, strides).op("u").stop().bytes;
  };

  expect_file_rejected("", "file is empty");
  std::string random(4096, '\0');
  std::mt19937 generator(11);
  for (char& c : random) c = static_cast<char>(generator());
  expect_file_rejected(random, "no zip signature");
  expect_file_rejected(std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.\x80\x02M\xe9\x03.", 21),
                       "legacy torch.save format (PyTorch < 1.6)");
  expect_file_rejected(Pickle().op("}").stop().bytes, "a bare pickle, not a zip archive");
  const std::string bert = testing::read_text(kFixtures + "/bert-tiny/pytorch_model.bin");
  expect_file_rejected(bert.substr(0, bert.size() / 2), "not a readable torch.save zip archive");
  expect_archive_rejected({{"data/0", storage}}, "no data.pkl");
  expect_archive_rejected({{"data.pkl", Pickle().op("}(").str("w").op("\xff").bytes}},
                          "unsupported pickle opcode 0xff");
  expect_archive_rejected({{"data.pkl", Pickle().op("}(").str("w").op("X\x10\0\0\0ab").bytes}}, "truncated pickle");
  expect_archive_rejected({{"data.pkl", Pickle().op("}(").str("w").bytes}}, "truncated pickle");
  expect_archive_rejected({{"data.pkl", Pickle().global("numpy.core.multiarray", "_reconstruct").stop().bytes}},
                          "unsupported pickle global `numpy.core.multiarray._reconstruct`");
  expect_archive_rejected({{"data.pkl", one_tensor(4, 0, {4}, {1})}}, "storage `0` is missing from the archive");
  expect_archive_rejected({{"data.pkl", one_tensor(4, 1, {4}, {1})}, {"data/0", storage}},
                          "reaches past its storage of 4 elements");
  expect_archive_rejected({{"data.pkl", one_tensor(2, 0, {2, 2}, {2, 1})}, {"data/0", storage}},
                          "reaches past its storage of 2 elements");
  expect_archive_rejected({{"data.pkl", one_tensor(8, 0, {8}, {1})}, {"data/0", storage}},
                          "record data/0 has 16 bytes, but its torch.FloatStorage needs 32");
  expect_archive_rejected({{"data.pkl", Pickle().op("]").stop().bytes}}, "holds a Python list, not a state dict");
  expect_archive_rejected({{"data.pkl", Pickle().op("}").str("epoch").int1(3).op("s").stop().bytes}},
                          "entry `epoch` is a Python int, not a tensor");
  expect_archive_rejected({{"data.pkl", Pickle().op(".").bytes}}, "STOP with an empty stack");
  expect_archive_rejected({{"data.pkl", Pickle().op("h\x05").bytes}}, "memo entry 5 was never stored");
  expect_archive_rejected({{"data.pkl", Pickle()
                                            .op("]q\x01h\x01"
                                                "a.")
                                            .bytes}},
                          "a list that contains itself");
  expect_archive_rejected({{"data.pkl", Pickle().op(std::string(100, ']') + std::string(99, 'a') + ".").bytes}},
                          "nested more than 64 levels deep");
  expect_archive_rejected({{"data.pkl", Pickle().op("}(u").op("s.").bytes}}, "stack underflow");
  expect_archive_rejected({{"data.pkl", Pickle().op("}").stop().bytes}, {"byteorder", "big"}}, "byte order `big`");
}

TEST(TorchPickle, RejectsMissingFilesAndFolders) {
  TempDir dir;
  expect_input_error([&] { read_torch_state_dict(dir.file("missing.bin")); }, dir.file("missing.bin"), "no such file");
  expect_input_error([&] { read_torch_state_dict(dir.path()); }, dir.path(), "not a regular file");
}

}  // namespace torch_pickle_test
}  // namespace attune
