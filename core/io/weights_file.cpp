#include "core/io/weights_file.h"

#include <torch/serialize.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/error.h"
#include "core/io/atomic_file.h"
#include "core/io/safetensors.h"
#include "core/io/torch_pickle.h"
#include "core/text/text_fields.h"

namespace attune {
namespace {

namespace fs = std::filesystem;

std::string first_bytes(const std::string& path, size_t count) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(count, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(count));
  bytes.resize(static_cast<size_t>(in.gcount()));
  return bytes;
}

// An attune checkpoint is a LibTorch archive with a `model` sub-archive whose
// nesting follows the module tree: flatten it to dotted names.
void flatten(torch::serialize::InputArchive& archive, const std::string& prefix, StateDict& out) {
  for (const auto& key : archive.keys()) {
    torch::serialize::InputArchive child;
    if (archive.try_read(key, child)) {
      flatten(child, prefix + key + ".", out);
      continue;
    }
    torch::Tensor tensor;
    if (archive.try_read(key, tensor) || archive.try_read(key, tensor, /*is_buffer=*/true)) {
      out.emplace_back(prefix + key, tensor);
    }
  }
}

std::optional<StateDict> read_attune_checkpoint(const std::string& path) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, torch::Device(torch::kCPU));  // whichever device wrote it; callers copy where needed
    c10::IValue format;
    if (!archive.try_read("format", format) || !format.isString()) return std::nullopt;
    torch::serialize::InputArchive model;
    archive.read("model", model);
    StateDict result;
    flatten(model, "", result);
    return result;
  } catch (const c10::Error&) {
    return std::nullopt;  // not a LibTorch archive: try the other formats
  }
}

StateDict read_sharded(const std::string& index_path) {
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(read_text_file(index_path));
  } catch (const nlohmann::json::exception& e) {
    input_error("{}: not valid JSON: {}", index_path, e.what());
  }
  if (!index.contains("weight_map") || !index["weight_map"].is_object()) {
    input_error("{}: expected a `weight_map` object (tensor name -> shard file)", index_path);
  }
  std::map<std::string, StateDict> shards;
  StateDict result;
  const fs::path folder = fs::path(index_path).parent_path();
  for (const auto& [name, file] : index["weight_map"].items()) {
    if (!file.is_string()) input_error("{}: weight_map[`{}`] is not a file name", index_path, name);
    const std::string shard = (folder / file.get<std::string>()).string();
    if (!shards.count(shard)) {
      if (!fs::exists(shard)) input_error("{}: shard {} (for `{}`) not found", index_path, shard, name);
      shards[shard] = read_weights(shard);
    }
    const StateDict& tensors = shards[shard];
    const std::string& wanted = name;  // C++17 lambdas cannot capture a structured binding
    auto it = std::find_if(tensors.begin(), tensors.end(), [&](const auto& kv) { return kv.first == wanted; });
    if (it == tensors.end()) input_error("{}: `{}` is not in its shard {}", index_path, name, shard);
    result.push_back(*it);
  }
  return result;
}

}  // namespace

std::string find_weights_in_folder(const std::string& folder) {
  for (const char* name :
       {"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"}) {
    const fs::path candidate = fs::path(folder) / name;
    if (fs::exists(candidate)) return candidate.string();
  }
  input_error("{}: no model.safetensors, pytorch_model.bin or their *.index.json in this folder", folder);
}

StateDict read_weights(const std::string& path) {
  std::error_code error;
  if (fs::is_directory(path, error)) return read_weights(find_weights_in_folder(path));
  if (!fs::exists(path, error)) input_error("{}: weights file not found", path);
  if (path.size() > 11 && path.compare(path.size() - 11, 11, ".index.json") == 0) return read_sharded(path);
  const std::string head = first_bytes(path, 8);
  if (head.rfind("PK", 0) == 0) {
    if (auto checkpoint = read_attune_checkpoint(path)) return *checkpoint;
    return read_torch_state_dict(path);
  }
  for (const char* extension : {".bin", ".pt", ".pth", ".ckpt"}) {
    if (path.size() > std::string_view(extension).size() && ends_with(path, extension)) {
      input_error(
          "{}: not a torch.save file: it does not start with a zip archive's signature `PK` (torch.save's "
          "legacy non-zip format is not read; re-save with torch.save in PyTorch >= 1.6)",
          path);
    }
  }
  return read_safetensors(path);
}

}  // namespace attune
