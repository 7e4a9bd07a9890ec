// Runs a fuzz target over saved inputs without libFuzzer, so that every build
// (GCC included) replays the seed corpus and every crash input ever found as a
// regression test. Arguments: files, or folders whose files are all replayed.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::printf("replaying %s (%zu bytes)\n", file.c_str(), bytes.size());
  std::fflush(stdout);  // a crash then names the input that caused it
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    if (!std::filesystem::exists(arg)) {
      std::fprintf(stderr, "error: %s: no such file or folder\n", argv[i]);
      return 2;
    }
    if (!std::filesystem::is_directory(arg)) {
      replay(arg);
      ++replayed;
      continue;
    }
    for (const auto& entry : std::filesystem::directory_iterator(arg))
      if (entry.is_regular_file()) {
        replay(entry.path());
        ++replayed;
      }
  }
  if (replayed == 0) {
    std::fprintf(stderr, "error: no inputs to replay\n");
    return 2;
  }
  std::printf("%zu inputs replayed, each ended normally or in attune's own error\n", replayed);
  return 0;
}
