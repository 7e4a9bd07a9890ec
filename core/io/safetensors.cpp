#include "core/io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <string_view>

#include "core/error.h"
#include "core/io/atomic_file.h"

// The format is little-endian; the tensors alias the file bytes, so the host must be too.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors reader assumes a little-endian host");

namespace attune {
namespace {

using Json = nlohmann::ordered_json;  // ordered: tensors come back in header order

// Real headers are a few hundred bytes per tensor; anything past this is corrupt, and capping it bounds the one
// allocation (the header copy in read_safetensors_metadata) that a size field from the file controls.
constexpr uint64_t kMaxHeaderBytes = uint64_t{100} << 20;
constexpr size_t kMaxDims = 64;
constexpr size_t kMaxJsonDepth = 3;  // root -> tensor entry -> shape / data_offsets

struct Dtype {
  const char* name;
  torch::ScalarType type;
  size_t size;
};

constexpr Dtype kDtypes[] = {
    {"F64", torch::kFloat64, 8},   {"F32", torch::kFloat32, 4}, {"F16", torch::kFloat16, 2},
    {"BF16", torch::kBFloat16, 2}, {"I64", torch::kInt64, 8},   {"I32", torch::kInt32, 4},
    {"I16", torch::kInt16, 2},     {"I8", torch::kInt8, 1},     {"U8", torch::kUInt8, 1},
    {"BOOL", torch::kBool, 1},
};

struct Entry {
  std::string name;
  Dtype dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

struct Header {
  std::vector<Entry> entries;
  std::map<std::string, std::string> metadata;
};

class FileHandle {
 public:
  explicit FileHandle(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) input_error("{}: cannot open: {}", path, std::strerror(errno));
    struct stat info {};
    if (::fstat(fd_, &info) != 0) input_error("{}: cannot stat: {}", path, std::strerror(errno));
    if (!S_ISREG(info.st_mode)) input_error("{}: not a regular file", path);
    size_ = static_cast<uint64_t>(info.st_size);
  }
  ~FileHandle() { ::close(fd_); }
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  int fd() const { return fd_; }
  uint64_t size() const { return size_; }

 private:
  int fd_;
  uint64_t size_ = 0;
};

// A read-only view of the whole file. Mapped writable but private, so a caller that modifies a loaded tensor in
// place gets its own copy of the page instead of a SIGSEGV, and the file itself never changes.
class Mapping {
 public:
  Mapping(const std::string& path, const FileHandle& file) : size_(file.size()) {
    void* address = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, file.fd(), 0);
    if (address == MAP_FAILED) input_error("{}: cannot memory-map: {}", path, std::strerror(errno));
    data_ = static_cast<const uint8_t*>(address);
  }
  ~Mapping() { ::munmap(const_cast<uint8_t*>(data_), size_); }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  const uint8_t* data() const { return data_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_;
};

void read_exact(const std::string& path, int fd, uint64_t offset, void* buffer, size_t size) {
  auto* out = static_cast<char*>(buffer);
  while (size > 0) {
    const ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) input_error("{}: read failed: {}", path, std::strerror(errno));
    if (n == 0) input_error("{}: file ended early", path);
    out += n;
    offset += static_cast<uint64_t>(n);
    size -= static_cast<size_t>(n);
  }
}

// The header length from the first 8 bytes, checked against the file size.
uint64_t header_length(const std::string& path, const uint8_t* first8, uint64_t file_size) {
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | first8[i];
  if (length > file_size - 8) {
    input_error("{}: header length {} runs past the end of the file ({} bytes): truncated or not a safetensors file",
                path, length, file_size);
  }
  if (length > kMaxHeaderBytes) input_error("{}: header length {} is implausibly large", path, length);
  if (length < 2) input_error("{}: header length {} is too small for a JSON object", path, length);
  return length;
}

void check_file_size(const std::string& path, uint64_t size) {
  if (size < 8) input_error("{}: file is {} bytes, too short for a safetensors header", path, size);
}

const Dtype& parse_dtype(const std::string& path, const std::string& name, const Json& value) {
  if (!value.is_string()) input_error("{}: tensor `{}`: `dtype` is not a string", path, name);
  const auto& text = value.get_ref<const std::string&>();
  for (const Dtype& dtype : kDtypes) {
    if (text == dtype.name) return dtype;
  }
  input_error("{}: tensor `{}`: unsupported dtype `{}` (supported: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)", path,
              name, text);
}

Entry parse_entry(const std::string& path, const std::string& name, const Json& value, uint64_t data_size) {
  if (!value.is_object()) input_error("{}: tensor `{}`: entry is not a JSON object", path, name);
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(field)) input_error("{}: tensor `{}`: missing `{}`", path, name, field);
  }
  Entry entry{name, parse_dtype(path, name, value.at("dtype")), {}, 0, 0};

  const Json& shape = value.at("shape");
  if (!shape.is_array()) input_error("{}: tensor `{}`: `shape` is not an array", path, name);
  if (shape.size() > kMaxDims) input_error("{}: tensor `{}`: {} dimensions is too many", path, name, shape.size());
  // Counted with zero dimensions as 1 too, so every stride torch derives from the shape also fits in int64.
  uint64_t numel = 1, stride_bound = 1;
  for (const Json& dim : shape) {
    if (!dim.is_number_unsigned()) {
      input_error("{}: tensor `{}`: shape {} has an entry that is not a non-negative integer", path, name,
                  shape.dump());
    }
    const uint64_t size = dim.get<uint64_t>();
    const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (size > limit || stride_bound > limit / std::max<uint64_t>(size, 1)) {
      input_error("{}: tensor `{}`: shape {} has too many elements", path, name, shape.dump());
    }
    stride_bound *= std::max<uint64_t>(size, 1);
    numel *= size;
    entry.shape.push_back(static_cast<int64_t>(size));
  }

  const Json& offsets = value.at("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    input_error("{}: tensor `{}`: `data_offsets` must be two non-negative integers, got {}", path, name,
                offsets.dump());
  }
  entry.begin = offsets[0].get<uint64_t>();
  entry.end = offsets[1].get<uint64_t>();
  if (entry.end < entry.begin) {
    input_error("{}: tensor `{}`: data_offsets [{}, {}] end before begin", path, name, entry.begin, entry.end);
  }
  if (entry.end > data_size) {
    input_error("{}: tensor `{}`: data_offsets [{}, {}] run past the data buffer ({} bytes)", path, name, entry.begin,
                entry.end, data_size);
  }
  // numel <= stride_bound < 2^63 and element sizes are <= 8, but the product can still wrap: compare by division.
  const uint64_t bytes = entry.end - entry.begin;
  if (bytes % entry.dtype.size != 0 || bytes / entry.dtype.size != numel) {
    input_error("{}: tensor `{}`: data_offsets [{}, {}] hold {} bytes, but {} {} needs {} elements of {} bytes", path,
                name, entry.begin, entry.end, bytes, entry.dtype.name, shape.dump(), numel, entry.dtype.size);
  }
  return entry;
}

// Parses the header JSON, rejecting duplicate keys (which nlohmann would silently merge) and deep nesting.
Json parse_json(const std::string& path, std::string_view text) {
  // nlohmann stops at a NUL as if the input ended there, which would hide whatever follows it.
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    input_error("{}: header has a NUL byte at offset {} (padding must be spaces)", path, nul);
  }
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  bool too_deep = false;
  Json::parser_callback_t callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    using Event = Json::parse_event_t;
    if (event == Event::object_start || event == Event::array_start) {
      // `depth` counts the containers already open; discarding deeper ones keeps memory bounded too.
      if (depth >= static_cast<int>(kMaxJsonDepth)) too_deep = true;
      if (event == Event::object_start) open_objects.emplace_back();
      return !too_deep;
    }
    if (event == Event::object_end && !open_objects.empty()) open_objects.pop_back();
    if (event == Event::key && !open_objects.empty() && parsed.is_string()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  Json header;
  try {
    header = Json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/true);
  } catch (const nlohmann::json::exception& e) {
    input_error("{}: header is not valid JSON: {}", path, e.what());
  }
  if (too_deep) input_error("{}: header JSON is nested deeper than a safetensors header can be", path);
  if (!duplicate.empty()) input_error("{}: header has the key `{}` more than once", path, duplicate);
  if (!header.is_object()) input_error("{}: header is not a JSON object", path);
  return header;
}

Header parse_header(const std::string& path, std::string_view text, uint64_t data_size) {
  const Json json = parse_json(path, text);
  Header header;
  for (const auto& [name, value] : json.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) input_error("{}: `__metadata__` is not a JSON object", path);
      for (const auto& [key, item] : value.items()) {
        if (!item.is_string()) input_error("{}: `__metadata__` entry `{}` is not a string", path, key);
        header.metadata[key] = item.get<std::string>();
      }
      continue;
    }
    header.entries.push_back(parse_entry(path, name, value, data_size));
  }
  // Overlapping tensors would alias each other's memory; the spec forbids them and no writer produces them.
  std::vector<const Entry*> by_offset;
  for (const Entry& entry : header.entries) {
    if (entry.end > entry.begin) by_offset.push_back(&entry);
  }
  std::sort(by_offset.begin(), by_offset.end(), [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < by_offset[i - 1]->end) {
      input_error("{}: tensors `{}` [{}, {}] and `{}` [{}, {}] overlap", path, by_offset[i - 1]->name,
                  by_offset[i - 1]->begin, by_offset[i - 1]->end, by_offset[i]->name, by_offset[i]->begin,
                  by_offset[i]->end);
    }
  }
  return header;
}

torch::Tensor make_tensor(const std::string& path, const Entry& entry, const std::shared_ptr<Mapping>& mapping,
                          const uint8_t* data) {
  const auto options = torch::TensorOptions().dtype(entry.dtype.type);
  const size_t bytes = entry.end - entry.begin;
  if (bytes == 0) return torch::empty(entry.shape, options);
  const uint8_t* begin = data + entry.begin;
  if (entry.dtype.type == torch::kBool) {
    // torch assumes bool bytes are 0 or 1; other values give undefined results.
    const auto* bad = std::find_if(begin, begin + bytes, [](uint8_t byte) { return byte > 1; });
    if (bad != begin + bytes) {
      input_error("{}: tensor `{}`: BOOL byte {} is {}, not 0 or 1", path, entry.name, bad - begin, *bad);
    }
  }
  if (reinterpret_cast<uintptr_t>(begin) % entry.dtype.size != 0) {
    // Misaligned data is legal in the format but not for torch kernels: copy it into an aligned tensor.
    torch::Tensor copy = torch::empty(entry.shape, options);
    std::memcpy(copy.data_ptr(), begin, bytes);
    return copy;
  }
  // The deleter owns a reference to the mapping, so it outlives every tensor that points into it.
  return torch::from_blob(
      const_cast<uint8_t*>(begin), entry.shape, [mapping](void*) {}, options);
}

// Runs `body`, turning any non-attune exception (a torch or allocation failure) into an InputError naming `path`.
template <typename Body>
auto guarded(const std::string& path, Body body) -> decltype(body()) {
  try {
    return body();
  } catch (const InputError&) {
    throw;
  } catch (const c10::Error& e) {
    input_error("{}: {}", path, e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    input_error("{}: out of memory while reading", path);
  } catch (const std::exception& e) {
    input_error("{}: {}", path, e.what());
  }
}

}  // namespace

StateDict read_safetensors(const std::string& path) {
  return guarded(path, [&] {
    FileHandle file(path);
    check_file_size(path, file.size());
    auto mapping = std::make_shared<Mapping>(path, file);
    const uint8_t* bytes = mapping->data();
    const uint64_t length = header_length(path, bytes, file.size());
    const std::string_view text(reinterpret_cast<const char*>(bytes + 8), length);
    const Header header = parse_header(path, text, file.size() - 8 - length);
    StateDict result;
    result.reserve(header.entries.size());
    for (const Entry& entry : header.entries) {
      result.emplace_back(entry.name, make_tensor(path, entry, mapping, bytes + 8 + length));
    }
    return result;
  });
}

std::map<std::string, std::string> read_safetensors_metadata(const std::string& path) {
  return guarded(path, [&] {
    FileHandle file(path);
    check_file_size(path, file.size());
    uint8_t first8[8];
    read_exact(path, file.fd(), 0, first8, sizeof first8);
    const uint64_t length = header_length(path, first8, file.size());
    std::string text(length, '\0');  // bounded by both the file size and kMaxHeaderBytes
    read_exact(path, file.fd(), 8, text.data(), text.size());
    return parse_header(path, text, file.size() - 8 - length).metadata;
  });
}

void write_safetensors(const std::string& path, const StateDict& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> contiguous;
  size_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    const Dtype* dtype = nullptr;
    for (const auto& candidate : kDtypes) {
      if (candidate.type == tensor.scalar_type()) dtype = &candidate;
    }
    if (!dtype) runtime_error("{}: tensor `{}` has a dtype safetensors cannot hold", path, name);
    contiguous.push_back(tensor.detach().to(torch::kCPU).contiguous());
    const size_t bytes = static_cast<size_t>(contiguous.back().numel()) * dtype->size;
    header[name] = {
        {"dtype", dtype->name}, {"shape", tensor.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  std::string file(8, '\0');
  const uint64_t length = text.size();
  for (int i = 0; i < 8; ++i) file[static_cast<size_t>(i)] = static_cast<char>((length >> (8 * i)) & 0xff);
  file += text;
  file.reserve(file.size() + offset);
  for (const auto& tensor : contiguous) {
    file.append(static_cast<const char*>(tensor.data_ptr()), tensor.numel() * tensor.element_size());
  }
  write_file_atomically(path, file);
}

}  // namespace attune
