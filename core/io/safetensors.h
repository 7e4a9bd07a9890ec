#pragma once

#include <map>
#include <string>

#include "core/io/state_dict.h"

namespace attune {

/// Reads a `.safetensors` file (8-byte little-endian header length, JSON header, data buffer). The file is
/// memory-mapped and the tensors point into the mapping, which stays alive as long as any of them does, so even a
/// large file loads in milliseconds; a tensor whose data is not aligned to its element size is copied instead.
/// Tensors keep their stored dtype (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL) and come in header order.
/// Writing into them is allowed and stays private to the process (copy-on-write); the file is never changed.
/// Every field is checked against the file before use; any problem throws an InputError naming the file.
StateDict read_safetensors(const std::string& path);

/// The `__metadata__` map of a safetensors file (empty if none). Reads and validates only the header.
std::map<std::string, std::string> read_safetensors_metadata(const std::string& path);

/// Writes `tensors` (any device, any layout) as a safetensors file, in the given order, with `metadata` as its
/// `__metadata__` (HuggingFace requires {"format": "pt"}). Written atomically.
void write_safetensors(const std::string& path, const StateDict& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace attune
