// The host memory attune compares a model's size with: /proc/meminfo's
// MemAvailable, lowered by a cgroup's limit, read from a made-up file tree
// laid out as the kernel lays out /proc and /sys/fs/cgroup.
#include "core/system/memory.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_support.h"

namespace attune {
namespace memory_test {

namespace fs = std::filesystem;

/// A fake root with /proc/meminfo saying `available_kib` and /proc/self/cgroup
/// holding `cgroup_lines`.
class FakeRoot {
 public:
  FakeRoot(int64_t available_kib, const std::string& cgroup_lines) {
    write("proc/meminfo", "MemTotal:       32000000 kB\nMemFree:         1000000 kB\nMemAvailable:   " +
                              std::to_string(available_kib) + " kB\nBuffers:          100000 kB\n");
    write("proc/self/cgroup", cgroup_lines);
  }
  void write(const std::string& relative, const std::string& content) const {
    const fs::path path = fs::path(dir_.path()) / relative;
    fs::create_directories(path.parent_path());
    testing::write_text(path.string(), content);
  }
  const std::string& path() const { return dir_.path(); }

 private:
  testing::TempDir dir_;
};

constexpr int64_t kKib = 1024;

TEST(HostMemory, IsMemAvailableWithoutACgroupLimit) {
  const FakeRoot root(8000000, "0::/\n");
  const auto memory = available_host_memory(root.path());
  ASSERT_TRUE(memory);
  EXPECT_EQ(memory->bytes, 8000000 * kKib);
  EXPECT_NE(memory->source.find("MemAvailable"), std::string::npos) << memory->source;
}

TEST(HostMemory, ACgroupV2LimitBelowMemAvailableWins) {
  const FakeRoot root(8000000, "0::/user.slice/job.scope\n");
  root.write("sys/fs/cgroup/user.slice/memory.max", "max\n");
  root.write("sys/fs/cgroup/user.slice/job.scope/memory.max", "1073741824\n");
  root.write("sys/fs/cgroup/user.slice/job.scope/memory.current", "73741824\n");
  const auto memory = available_host_memory(root.path());
  ASSERT_TRUE(memory);
  EXPECT_EQ(memory->bytes, 1000000000);
  EXPECT_NE(memory->source.find("user.slice/job.scope/memory.max"), std::string::npos) << memory->source;
}

TEST(HostMemory, AnAncestorsTighterLimitWinsAndAHigherLimitDoesNot) {
  const FakeRoot root(8000000, "0::/user.slice/job.scope\n");
  root.write("sys/fs/cgroup/user.slice/memory.max", "500000000\n");
  root.write("sys/fs/cgroup/user.slice/memory.current", "100000000\n");
  root.write("sys/fs/cgroup/user.slice/job.scope/memory.max", "1073741824\n");
  const auto tight = available_host_memory(root.path());
  ASSERT_TRUE(tight);
  EXPECT_EQ(tight->bytes, 400000000);

  const FakeRoot roomy(1000, "0::/big\n");  // 1000 KiB free, a 1 GiB limit
  roomy.write("sys/fs/cgroup/big/memory.max", "1073741824\n");
  const auto memory = available_host_memory(roomy.path());
  ASSERT_TRUE(memory);
  EXPECT_EQ(memory->bytes, 1000 * kKib);
}

TEST(HostMemory, ACgroupV1LimitIsReadAndItsNoLimitValueIgnored) {
  // Inside a container the process's cgroup path is not under the container's
  // view of the mount, whose root is the container's own cgroup.
  const FakeRoot root(8000000, "5:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n0::/\n");
  root.write("sys/fs/cgroup/memory/memory.limit_in_bytes", "2147483648\n");
  root.write("sys/fs/cgroup/memory/memory.usage_in_bytes", "147483648\n");
  const auto memory = available_host_memory(root.path());
  ASSERT_TRUE(memory);
  EXPECT_EQ(memory->bytes, 2000000000);

  const FakeRoot unlimited(8000000, "4:memory:/\n");
  unlimited.write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  const auto free = available_host_memory(unlimited.path());
  ASSERT_TRUE(free);
  EXPECT_EQ(free->bytes, 8000000 * kKib);
}

TEST(HostMemory, UnknownWithoutMemAvailable) {
  testing::TempDir empty;
  EXPECT_FALSE(available_host_memory(empty.path()));
}

TEST(HostMemory, ThisMachineHasSome) {
  const auto memory = available_host_memory();
  ASSERT_TRUE(memory) << "no MemAvailable in /proc/meminfo";
  EXPECT_GT(memory->bytes, 0);
}

TEST(FormatBytes, UsesBinaryUnits) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(4928512), "4.7 MiB");
  EXPECT_EQ(format_bytes(int64_t{3} << 60), "3.0 EiB");
}

}  // namespace memory_test
}  // namespace attune
