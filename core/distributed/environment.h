#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace attune {

/// Where this process stands in a data-parallel job, as torchrun (or `attune
/// launch`) describes it in the environment.
struct DistributedEnvironment {
  int64_t rank = 0;              // RANK
  int64_t world_size = 1;        // WORLD_SIZE
  int64_t local_rank = 0;        // LOCAL_RANK: the rank on this machine (the CUDA device's index)
  int64_t local_world_size = 1;  // LOCAL_WORLD_SIZE (WORLD_SIZE where unset)
  int64_t group_rank = 0;        // GROUP_RANK: this machine's index among the job's (0 where unset)
  std::string master_addr;       // MASTER_ADDR, MASTER_PORT: the job's store
  int64_t master_port = 0;
  bool use_agent_store = false;  // TORCHELASTIC_USE_AGENT_STORE=True: torchrun's agent serves the store
  int64_t restart_count = 0;     // TORCHELASTIC_RESTART_COUNT: 0 for the first attempt
  int64_t max_restarts = 0;      // TORCHELASTIC_MAX_RESTARTS
  std::string run_id;            // TORCHELASTIC_RUN_ID; empty outside torchrun

  /// Whether rank 0 serves the job's store itself (as `attune launch` and
  /// torchrun's non-static rendezvous have it) instead of torchrun's agent.
  bool rank_zero_serves_store() const { return !use_agent_store; }
  /// The prefix under which this attempt's ranks keep their keys in the
  /// agent's store (PyTorch's `/worker/attempt_<TORCHELASTIC_RESTART_COUNT>`);
  /// empty where rank 0 serves a store of its own.
  std::string store_prefix() const;
  /// `host:port` of the job's store.
  std::string store_address() const;
};

/// Reads and checks torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK,
/// LOCAL_WORLD_SIZE, GROUP_RANK, GROUP_WORLD_SIZE, ROLE_RANK, ROLE_WORLD_SIZE,
/// MASTER_ADDR, MASTER_PORT, TORCHELASTIC_USE_AGENT_STORE,
/// TORCHELASTIC_RESTART_COUNT, TORCHELASTIC_MAX_RESTARTS, TORCHELASTIC_RUN_ID).
/// nullopt when WORLD_SIZE is unset or 1 (a plain single-process run);
/// InputError naming the variable when one is missing, malformed or
/// contradicts another.
std::optional<DistributedEnvironment> distributed_environment();

/// What a process that failed before it could read distributed_environment()
/// can still tell of its job: the store's address, the attempt and its rank as
/// written (possibly invalid). nullopt when the environment does not say
/// where the job's store is.
struct PartialEnvironment {
  DistributedEnvironment environment;  // rank is -1 when RANK is unusable
  std::string rank_text;               // RANK as given, for messages
};
std::optional<PartialEnvironment> partial_distributed_environment();

/// A TCP port that is free on loopback now (the kernel's pick), for a
/// rendezvous on this machine.
int free_loopback_port();

}  // namespace attune
