#include "core/system/memory.h"

#include <dlfcn.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace attune {
namespace {

namespace fs = std::filesystem;

/// The first line of a file, or "" when it cannot be read.
std::string first_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

/// A non-negative decimal number, or nullopt for anything else ("max", "").
std::optional<int64_t> parse_bytes(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || text[0] == '-') return std::nullopt;
  // cgroup v1 writes "no limit" as a page-rounded INT64_MAX.
  if (value >= static_cast<unsigned long long>(INT64_MAX) / 2) return std::nullopt;
  return static_cast<int64_t>(value);
}

/// MemAvailable in /proc/meminfo, in bytes.
std::optional<int64_t> mem_available(const std::string& root) {
  std::ifstream in(root + "/proc/meminfo");
  std::string key;
  int64_t kib = 0;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    if (fields >> key >> kib && key == "MemAvailable:") return kib * 1024;
  }
  return std::nullopt;
}

/// Room left under one cgroup folder's limit, if it sets one.
std::optional<int64_t> room_under(const fs::path& dir, const char* limit_file, const char* usage_file) {
  const auto limit = parse_bytes(first_line(dir / limit_file));
  if (!limit) return std::nullopt;
  const int64_t usage = parse_bytes(first_line(dir / usage_file)).value_or(0);
  return usage < *limit ? *limit - usage : 0;
}

/// The tightest room from the process's cgroup `relative` (as /proc/self/cgroup
/// gives it) up to the hierarchy's `mount`. Inside a container the process's
/// path may not exist under the container's view of the mount, whose root is
/// then the container's own cgroup: levels that do not exist are skipped.
void tighten(const fs::path& mount, const std::string& relative, const char* limit_file, const char* usage_file,
             std::optional<MemoryAmount>& best) {
  if (!fs::is_directory(mount)) return;
  fs::path dir = mount;
  if (const fs::path below = fs::path(relative).relative_path(); !below.empty()) dir /= below;
  for (;;) {
    if (const auto room = room_under(dir, limit_file, usage_file); room && (!best || *room < best->bytes)) {
      best =
          MemoryAmount{*room, fmt::format("the cgroup limit {} less its {}", (dir / limit_file).string(), usage_file)};
    }
    // `relative` comes from the kernel and has no `..`; the length check
    // still ends the walk whatever it holds.
    if (dir == mount || dir.string().size() <= mount.string().size()) break;
    dir = dir.parent_path();
  }
}

}  // namespace

std::optional<MemoryAmount> available_host_memory(const std::string& root) {
  const auto available = mem_available(root);
  if (!available) return std::nullopt;
  std::optional<MemoryAmount> best = MemoryAmount{*available, "MemAvailable in /proc/meminfo"};
  // Lines of /proc/self/cgroup: "0::/path" (v2), "4:memory:/path" (v1).
  std::ifstream in(root + "/proc/self/cgroup");
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (line.compare(0, first, "0") == 0 && controllers.empty()) {
      // v2: mounted at /sys/fs/cgroup, or at /sys/fs/cgroup/unified beside v1.
      for (const char* mount : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
        tighten(root + mount, path, "memory.max", "memory.current", best);
      }
    } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {
      tighten(root + "/sys/fs/cgroup/memory", path, "memory.limit_in_bytes", "memory.usage_in_bytes", best);
    }
  }
  return best;
}

std::optional<MemoryAmount> cuda_device_memory(int index) {
  // The driver API's types: CUresult and CUdevice are ints, sizes size_t.
  using CuInit = int (*)(unsigned int);
  using CuDeviceGet = int (*)(int*, int);
  using CuDeviceTotalMem = int (*)(size_t*, int);
  // Left open: LibTorch's CUDA (if any) loads the same driver and keeps it.
  void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!driver) return std::nullopt;
  const auto init = reinterpret_cast<CuInit>(dlsym(driver, "cuInit"));
  const auto device_get = reinterpret_cast<CuDeviceGet>(dlsym(driver, "cuDeviceGet"));
  const auto total_mem = reinterpret_cast<CuDeviceTotalMem>(dlsym(driver, "cuDeviceTotalMem_v2"));
  if (!init || !device_get || !total_mem || init(0) != 0) return std::nullopt;
  int device = 0;
  size_t bytes = 0;
  if (device_get(&device, index) != 0 || total_mem(&bytes, device) != 0) return std::nullopt;
  return MemoryAmount{static_cast<int64_t>(bytes), "its total memory (cuDeviceTotalMem)"};
}

std::string format_bytes(int64_t bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", value, kUnits[unit]);
}

void keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  // Setting either turns off glibc's own adjustment of the two.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

}  // namespace attune
