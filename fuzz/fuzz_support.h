#pragma once

// What every libFuzzer target shares: the input as a file (attune's readers
// take paths, as users give them), and the rule that bad input may only end
// in attune::Error. Any other exception escapes and libFuzzer reports it as a
// crash, as it does signals and sanitizer findings.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/error.h"

namespace attune::fuzz {

/// A per-process temporary folder for the inputs, removed at exit (links in
/// it are removed, not followed).
inline const std::string& scratch_dir() {
  static const std::string* dir = [] {  // never destroyed: the exit handler reads it
    char pattern[] = "/tmp/attune-fuzz-XXXXXX";
    if (!mkdtemp(pattern)) {
      std::perror("mkdtemp");
      std::abort();
    }
    const auto* made = new std::string(pattern);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(scratch_dir(), ignored);
    });
    return made;
  }();
  return *dir;
}

/// Writes the input to `name` in scratch_dir() and returns its path.
inline std::string input_file(const uint8_t* data, size_t size, const std::string& name) {
  const std::string path = scratch_dir() + "/" + name;
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file) {
    std::fwrite(data, 1, size, file);
    std::fclose(file);
  }
  return path;
}

/// Runs `f`; attune::Error (bad input, reported) is the expected way to fail.
template <class F>
void expect_only_attune_errors(F&& f) {
  try {
    f();
  } catch (const attune::Error&) {
  }
}

}  // namespace attune::fuzz
