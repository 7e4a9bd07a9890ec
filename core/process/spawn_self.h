#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace attune {

/// How a child `attune` process is started.
struct SpawnOptions {
  /// Environment variables set in the child, replacing the inherited ones.
  std::vector<std::pair<std::string, std::string>> env;
  /// Set only where the parent's environment lacks them (a user's own setting wins).
  std::vector<std::pair<std::string, std::string>> env_defaults;
  /// Appends the child's stdout and stderr to this file; empty = inherit.
  std::string log;
};

/// Starts this same executable (/proc/self/exe) with `args` as a child
/// process; returns its pid. Sweep workers and data-parallel ranks start so.
pid_t spawn_self(const std::vector<std::string>& args, const SpawnOptions& options = {});

}  // namespace attune
