#include "core/io/torch_pickle.h"

#include <caffe2/serialize/inline_container.h>
#include <fmt/ranges.h>  // fmt::join (in ranges.h from fmt 10 on)

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>

#include "core/error.h"
#include "core/io/pickle_reader.h"

namespace attune {
namespace {

using pickle::Value;
using pickle::ValuePtr;
using Kind = Value::Kind;

constexpr size_t kMaxPickleDims = 64;

struct StorageType {
  const char* name;
  torch::ScalarType type;
};

constexpr StorageType kStorageTypes[] = {
    {"torch.FloatStorage", torch::kFloat32},     {"torch.HalfStorage", torch::kFloat16},
    {"torch.BFloat16Storage", torch::kBFloat16}, {"torch.DoubleStorage", torch::kFloat64},
    {"torch.LongStorage", torch::kInt64},        {"torch.IntStorage", torch::kInt32},
    {"torch.ShortStorage", torch::kInt16},       {"torch.CharStorage", torch::kInt8},
    {"torch.ByteStorage", torch::kUInt8},        {"torch.BoolStorage", torch::kBool},
};

constexpr const char* kOrderedDict = "collections.OrderedDict";
constexpr const char* kRebuildTensor = "torch._utils._rebuild_tensor_v2";
constexpr const char* kRebuildParameter = "torch._utils._rebuild_parameter";
constexpr const char* kRebuildParameterWithState = "torch._utils._rebuild_parameter_with_state";

// What the legacy (pre-1.6) format starts with: the pickled magic number 0x1950a86a20f9469cfc6c (protocol 2, LONG1).
constexpr uint8_t kLegacyMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

// A c10::Error's message without LibTorch's plea for bug reports.
std::string torch_message(const c10::Error& error) {
  std::string message = error.what_without_backtrace();
  const size_t plea = message.find("  (Could this error message be improved?");
  if (plea != std::string::npos) message.resize(plea);
  return message;
}

// Checks that `path` looks like a torch.save zip archive before miniz sees it, so the common mistakes get clear
// messages.
void check_signature(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    input_error("{}: {}", path, std::filesystem::exists(path, error) ? "not a regular file" : "no such file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) input_error("{}: cannot open: {}", path, std::strerror(errno));
  uint8_t head[sizeof kLegacyMagic] = {};
  in.read(reinterpret_cast<char*>(head), sizeof head);
  const auto got = static_cast<size_t>(in.gcount());
  if (got == 0) input_error("{}: file is empty", path);
  if (got == sizeof head && std::memcmp(head, kLegacyMagic, sizeof head) == 0) {
    input_error(
        "{}: legacy torch.save format (PyTorch < 1.6), which cannot be read: load it in Python and save it "
        "again with a current torch.save (or convert it to safetensors)",
        path);
  }
  if (got < 4 || std::memcmp(head, "PK\x03\x04", 4) != 0) {
    input_error("{}: not a torch.save file: {}", path,
                head[0] == 0x80 ? "a bare pickle, not a zip archive" : "no zip signature at the start");
  }
}

// Turns a torch.save pickle into tensors, reading storages from the zip archive as the pickle refers to them.
class Loader {
 public:
  explicit Loader(const std::string& path) : path_(path) {
    // LibTorch 1.13's reader leaks a few hundred bytes of miniz state when its constructor throws; nothing to do
    // about that short of parsing the zip directory twice.
    try {
      reader_ = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
    } catch (const c10::Error& e) {
      input_error("{}: not a readable torch.save zip archive: {}", path, torch_message(e));
    } catch (const std::logic_error& e) {  // std::stoull on a garbled `version` record
      input_error("{}: not a readable torch.save zip archive: bad `version` record ({})", path, e.what());
    }
  }

  StateDict load() {
    if (!reader_->hasRecord("data.pkl")) {
      const std::vector<std::string> records = reader_->getAllRecords();
      input_error("{}: zip archive has no data.pkl, so torch.save did not write it (it holds {} records{}{})", path_,
                  records.size(), records.empty() ? "" : ", e.g. ", records.empty() ? "" : records.front());
    }
    if (reader_->hasRecord("byteorder")) {  // written since PyTorch 2.1; storages are raw host-order bytes
      auto [order, order_size] = reader_->getRecord("byteorder");
      const std::string text(static_cast<const char*>(order.get()), order.get() ? order_size : 0);
      if (text != "little")
        input_error("{}: saved with byte order `{}`; only little-endian is supported", path_, pickle::printable(text));
    }
    auto [data, size] = reader_->getRecord("data.pkl");
    const std::string_view program(static_cast<const char*>(data.get()), data.get() ? size : 0);
    pickle::Hooks hooks;
    hooks.global = [this](const std::string& module, const std::string& name) { return global(module, name); };
    hooks.reduce = [this](const ValuePtr& callable, const ValuePtr& args) { return reduce(callable, args); };
    hooks.build = [this](const ValuePtr& object, const ValuePtr& state) { build(object, state); };
    hooks.persistent_load = [this](const ValuePtr& pid) { return persistent_load(pid); };
    return to_state_dict(pickle::unpickle(program, hooks, path_ + ": data.pkl"));
  }

 private:
  const StorageType* storage_type(const std::string& name) const {
    for (const StorageType& type : kStorageTypes) {
      if (name == type.name) return &type;
    }
    return nullptr;
  }

  ValuePtr global(const std::string& module, const std::string& name) {
    const std::string full = module + "." + name;
    if (full != kOrderedDict && full != kRebuildTensor && full != kRebuildParameter &&
        full != kRebuildParameterWithState && !storage_type(full)) {
      input_error("{}: unsupported pickle global `{}` (a state dict holds only tensors)", path_,
                  pickle::printable(full));
    }
    ValuePtr value = Value::make(Kind::Global);
    value->text = full;
    return value;
  }

  ValuePtr reduce(const ValuePtr& callable, const ValuePtr& args) {
    const std::string& name = callable->text;
    const std::vector<ValuePtr>& items = args->items;
    if (name == kOrderedDict) {
      // OrderedDict pickles as OrderedDict() followed by SETITEMS.
      if (!items.empty()) input_error("{}: OrderedDict called with {} arguments, expected none", path_, items.size());
      return Value::make(Kind::Dict);
    }
    if (name == kRebuildTensor) return rebuild_tensor(items);
    if (name == kRebuildParameter || name == kRebuildParameterWithState) {
      const size_t arity = name == kRebuildParameter ? 3 : 4;
      if (items.size() != arity || items[0]->kind != Kind::Tensor) {
        input_error("{}: `{}` expects {} arguments starting with a tensor", path_, name, arity);
      }
      return items[0];  // requires_grad and hooks mean nothing for loaded weights
    }
    input_error("{}: `{}` cannot be called", path_, pickle::printable(name));
  }

  void build(const ValuePtr& object, const ValuePtr& state) {
    // OrderedDict's attributes (state_dict()'s `_metadata` with module versions) do not matter for the tensors.
    if (object->kind == Kind::Dict && (state->kind == Kind::Dict || state->kind == Kind::None)) return;
    input_error("{}: unsupported BUILD of a {} with a {}", path_, pickle::kind_name(object->kind),
                pickle::kind_name(state->kind));
  }

  int64_t to_int(const ValuePtr& value, const char* what) const {
    if (value->kind != Kind::Int)
      input_error("{}: {} is a {}, not an int", path_, what, pickle::kind_name(value->kind));
    if (value->integer < 0) input_error("{}: {} is negative ({})", path_, what, value->integer);
    return value->integer;
  }

  std::vector<int64_t> to_ints(const ValuePtr& value, const char* what) const {
    if (value->kind != Kind::Tuple) {
      input_error("{}: tensor {} is a {}, not a tuple", path_, what, pickle::kind_name(value->kind));
    }
    if (value->items.size() > kMaxPickleDims) input_error("{}: tensor {} has too many dimensions", path_, what);
    std::vector<int64_t> result;
    for (const ValuePtr& item : value->items) result.push_back(to_int(item, what));
    return result;
  }

  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  ValuePtr rebuild_tensor(const std::vector<ValuePtr>& items) {
    if (items.size() != 6 && items.size() != 7) {
      input_error("{}: `{}` called with {} arguments, expected 6 or 7", path_, kRebuildTensor, items.size());
    }
    if (items[0]->kind != Kind::Storage) {
      input_error("{}: `{}` called on a {}, not a storage", path_, kRebuildTensor, pickle::kind_name(items[0]->kind));
    }
    const torch::Tensor& storage = items[0]->tensor;
    const int64_t offset = to_int(items[1], "storage offset");
    const std::vector<int64_t> sizes = to_ints(items[2], "size");
    const std::vector<int64_t> strides = to_ints(items[3], "stride");
    if (sizes.size() != strides.size()) {
      input_error("{}: tensor has {} sizes but {} strides", path_, sizes.size(), strides.size());
    }
    // The view must stay inside its storage: the element furthest from the start is offset + sum((size-1)*stride).
    const int64_t available = storage.numel();
    bool empty = false;
    int64_t last = offset;
    for (size_t i = 0; i < sizes.size(); ++i) {
      int64_t step = 0;
      if (sizes[i] == 0) empty = true;
      if (sizes[i] > 0 &&
          (__builtin_mul_overflow(sizes[i] - 1, strides[i], &step) || __builtin_add_overflow(last, step, &last))) {
        input_error("{}: tensor view with sizes {} and strides {} overflows", path_, fmt::join(sizes, "x"),
                    fmt::join(strides, ","));
      }
    }
    if (empty ? offset > available : last >= available) {
      input_error("{}: tensor view (offset {}, sizes [{}], strides [{}]) reaches past its storage of {} elements",
                  path_, offset, fmt::join(sizes, ", "), fmt::join(strides, ", "), available);
    }
    ValuePtr tensor = Value::make(Kind::Tensor);
    tensor->tensor = empty ? torch::empty(sizes, storage.options()) : storage.as_strided(sizes, strides, offset);
    return tensor;
  }

  // The persistent id ('storage', storage_type, key, location, numel) names the archive record data/<key>.
  ValuePtr persistent_load(const ValuePtr& pid) {
    const std::vector<ValuePtr>& items = pid->items;
    if (pid->kind != Kind::Tuple || items.size() != 5 || items[0]->kind != Kind::String ||
        items[0]->text != "storage" || items[1]->kind != Kind::Global || items[2]->kind != Kind::String ||
        items[3]->kind != Kind::String) {
      input_error("{}: persistent id is not ('storage', type, key, location, numel)", path_);
    }
    const StorageType* type = storage_type(items[1]->text);
    if (!type) input_error("{}: `{}` is not a storage type", path_, pickle::printable(items[1]->text));
    const std::string& key = items[2]->text;
    if (key.empty() || key.find_first_of(std::string("/\0", 2)) != std::string::npos) {
      input_error("{}: storage key `{}` is not a record name", path_, pickle::printable(key));
    }
    const int64_t numel = to_int(items[4], "storage size");
    const auto found = storages_.find(key);
    if (found != storages_.end()) {
      const torch::Tensor& existing = found->second->tensor;
      if (existing.scalar_type() != type->type || existing.numel() != numel) {
        input_error("{}: storage `{}` is used with two different types or sizes", path_, key);
      }
      return found->second;
    }
    // Nothing is allocated from `numel` (the record's own size is what miniz allocates); it only has to fit.
    const uint64_t element_size = c10::elementSize(type->type);
    if (static_cast<uint64_t>(numel) > std::numeric_limits<uint64_t>::max() / element_size) {
      input_error("{}: storage `{}` claims {} elements, which is impossible", path_, pickle::printable(key), numel);
    }
    const uint64_t bytes = static_cast<uint64_t>(numel) * element_size;
    const std::string record = "data/" + key;
    if (!reader_->hasRecord(record)) {
      input_error("{}: storage `{}` is missing from the archive (no record {})", path_, key, record);
    }
    auto [data, size] = reader_->getRecord(record);
    if (size < bytes) {
      input_error("{}: record {} has {} bytes, but its {} needs {}", path_, record, size, type->name, bytes);
    }
    ValuePtr storage = Value::make(Kind::Storage);
    const auto options = torch::TensorOptions().dtype(type->type);
    if (numel == 0) {
      storage->tensor = torch::empty({0}, options);
    } else {
      const auto* begin = static_cast<const uint8_t*>(data.get());
      if (type->type == torch::kBool && std::any_of(begin, begin + bytes, [](uint8_t byte) { return byte > 1; })) {
        input_error("{}: BoolStorage `{}` holds bytes other than 0 and 1", path_, key);
      }
      // The record buffer (from torch's 64-byte-aligned allocator) lives as long as any tensor viewing it.
      auto owner = std::make_shared<at::DataPtr>(std::move(data));
      storage->tensor = torch::from_blob(
          owner->get(), {numel}, [owner](void*) {}, options);
    }
    storages_.emplace(key, storage);
    return storage;
  }

  StateDict to_state_dict(const ValuePtr& root) const {
    if (root->kind != Kind::Dict) {
      input_error("{}: holds a Python {}, not a state dict", path_, pickle::kind_name(root->kind));
    }
    StateDict result;
    for (const auto& [key, value] : root->entries) {
      if (key->kind != Kind::String)
        input_error("{}: state dict key is a Python {}", path_, pickle::kind_name(key->kind));
      if (value->kind != Kind::Tensor) {
        input_error(
            "{}: entry `{}` is a Python {}, not a tensor: not a plain state_dict (a training checkpoint? save "
            "model.state_dict() instead)",
            path_, pickle::printable(key->text), pickle::kind_name(value->kind));
      }
      result.emplace_back(key->text, value->tensor);
    }
    return result;
  }

  const std::string& path_;
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader_;
  std::map<std::string, ValuePtr> storages_;
};

}  // namespace

StateDict read_torch_state_dict(const std::string& path) {
  // miniz failures surface as c10::Error (or std exceptions from the reader's own parsing); all become InputErrors.
  try {
    check_signature(path);
    return Loader(path).load();
  } catch (const InputError&) {
    throw;
  } catch (const c10::Error& e) {
    input_error("{}: {}", path, torch_message(e));
  } catch (const std::bad_alloc&) {
    input_error("{}: out of memory while reading", path);
  } catch (const std::exception& e) {
    input_error("{}: {}", path, e.what());
  }
}

}  // namespace attune
