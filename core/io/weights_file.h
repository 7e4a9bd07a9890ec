#pragma once

#include <string>

#include "core/io/state_dict.h"

namespace attune {

/// Reads named tensors from any weight file a user brings: an attune
/// checkpoint (checkpoints/*.pt), a safetensors file, a state_dict written by
/// Python's torch.save (.bin/.pt), or a HuggingFace model folder
/// (model.safetensors, pytorch_model.bin, or their sharded *.index.json).
/// The format is told by content, not by extension. InputError on anything
/// unreadable, naming the file.
StateDict read_weights(const std::string& path);

/// The weights file a HuggingFace folder holds, in the order HuggingFace
/// prefers them; an InputError listing what was looked for if none.
std::string find_weights_in_folder(const std::string& folder);

}  // namespace attune
