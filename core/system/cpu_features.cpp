#include "core/system/cpu_features.h"

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

namespace attune {

std::string cpu_flags() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    if (key != "flags" && key != "Features") continue;
    const size_t start = line.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "";
}

bool cpu_has_fast_bfloat16() {
  std::istringstream words(cpu_flags());
  const std::set<std::string> flags{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
  if (flags.empty()) return true;
  const auto has = [&](const char* flag) { return flags.count(flag) > 0; };
  return has("avx512_bf16") || has("amx_bf16") || has("bf16") ||
         (has("avx512bw") && has("avx512vl") && has("avx512dq"));
}

}  // namespace attune
