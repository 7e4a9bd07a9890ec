#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace attune {

/// An amount of memory and where the figure comes from (messages name it, so
/// that a user can tell a machine's limit from a container's).
struct MemoryAmount {
  int64_t bytes = 0;
  std::string source;
};

/// The memory this process can still take on the host: MemAvailable from
/// /proc/meminfo, or less where the process's cgroup leaves less room (v2:
/// `memory.max` less `memory.current`; v1: `memory.limit_in_bytes` less
/// `memory.usage_in_bytes`; the tightest of the cgroup and its ancestors).
/// nullopt where /proc/meminfo has no MemAvailable (not Linux, or a kernel
/// older than 3.14). `root` is prefixed to every path read: tests give a
/// folder laid out as / with made-up files.
std::optional<MemoryAmount> available_host_memory(const std::string& root = "");

/// The total memory of CUDA device `index`, from the driver API
/// (cuDeviceTotalMem_v2 in libcuda.so.1, opened at run time, so that attune
/// needs neither CUDA headers nor a CUDA build of LibTorch for it). nullopt
/// where the driver cannot be loaded or has no such device.
std::optional<MemoryAmount> cuda_device_memory(int index);

/// `bytes` in binary units for people: "512 B", "4.7 MiB", "3.2 EiB".
std::string format_bytes(int64_t bytes);

/// Keeps the memory of freed tensors in the process's heap for the next
/// allocation, instead of handing it back to the kernel. LibTorch's CPU
/// allocator does not cache: a training step allocates the same large
/// tensors again each step (the embedding table's gradient, activations), and
/// with glibc's defaults each one above the mmap threshold is a fresh mapping
/// whose every page faults on first touch (about 350 faults a step on the
/// demo, measured). This raises the mmap threshold to glibc's maximum (32 MiB
/// on 64-bit) and the trim threshold to 256 MiB. For the command line's own
/// process only: a library must not change its host's allocator.
void keep_freed_memory_for_reuse();

}  // namespace attune
