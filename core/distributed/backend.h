#pragma once

#include "core/config/codec.h"

namespace attune {

/// `distributed.backend`: the c10d process group a data-parallel run uses.
/// `auto`: NCCL for CUDA where this LibTorch has it, else Gloo.
enum class DistributedBackend { automatic, gloo, nccl };
inline const config::EnumNames<DistributedBackend>& enum_names(DistributedBackend) {
  static const config::EnumNames<DistributedBackend> names = {
      {DistributedBackend::automatic, "auto"}, {DistributedBackend::gloo, "gloo"}, {DistributedBackend::nccl, "nccl"}};
  return names;
}

}  // namespace attune
