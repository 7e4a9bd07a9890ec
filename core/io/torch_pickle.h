#pragma once

#include <string>

#include "core/io/state_dict.h"

namespace attune {

/// Reads a state dict saved by Python's `torch.save(model.state_dict(), path)` (the zip format of PyTorch >= 1.6,
/// e.g. HuggingFace's `pytorch_model.bin`) without any conversion step. Tensors keep their saved dtype and come in
/// the dict's order; tensors that shared a storage in Python (tied weights, views) share memory here too. A legacy
/// (pre-1.6) file, a full training checkpoint, or anything corrupt throws an InputError naming the file.
StateDict read_torch_state_dict(const std::string& path);

}  // namespace attune
