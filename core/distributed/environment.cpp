#include "core/distributed/environment.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "core/error.h"

namespace attune {
namespace {

constexpr int64_t kMaxRanks = 1 << 16;

std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::optional<int64_t> parse_integer(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0' || errno == ERANGE) return std::nullopt;
  return value;
}

/// `name`'s value, an integer from `low` to `high`; nullopt when unset.
/// `bound` says where the range comes from, for the message.
std::optional<int64_t> optional_integer(const char* name, int64_t low, int64_t high, const std::string& bound = "") {
  const auto text = variable(name);
  if (!text) return std::nullopt;
  const auto value = parse_integer(*text);
  if (!value || *value < low || *value > high) {
    input_error("environment: {}=`{}`: expected an integer from {} to {}{}", name, *text, low, high,
                bound.empty() ? "" : " (" + bound + ")");
  }
  return value;
}

int64_t required_integer(const char* name, int64_t low, int64_t high, const std::string& bound = "") {
  const auto value = optional_integer(name, low, high, bound);
  if (!value) {
    input_error(
        "environment: WORLD_SIZE is set, so {} must be too (as torchrun sets it; or start the processes "
        "with `attune launch --nproc N ...`)",
        name);
  }
  return *value;
}

}  // namespace

std::string DistributedEnvironment::store_prefix() const {
  return use_agent_store ? "/worker/attempt_" + std::to_string(restart_count) : "";
}

std::string DistributedEnvironment::store_address() const {
  return master_addr + ":" + std::to_string(master_port);
}

std::optional<DistributedEnvironment> distributed_environment() {
  if (!variable("WORLD_SIZE")) return std::nullopt;
  DistributedEnvironment e;
  // WORLD_SIZE=1 too is a job, of one rank, with its process group (as
  // torchrun --nproc-per-node 1 with init_process_group): the backend runs.
  e.world_size = required_integer("WORLD_SIZE", 1, kMaxRanks);
  const std::string world = fmt::format("WORLD_SIZE={}", e.world_size);
  e.rank = required_integer("RANK", 0, e.world_size - 1, world);

  // The ranks on this machine: LOCAL_RANK below LOCAL_WORLD_SIZE, and all of
  // them (RANK - LOCAL_RANK onwards) inside the job.
  const auto local_world = optional_integer("LOCAL_WORLD_SIZE", 1, e.world_size, world);
  e.local_world_size = local_world.value_or(e.world_size);
  e.local_rank = optional_integer(
                     "LOCAL_RANK", 0, e.local_world_size - 1,
                     local_world ? fmt::format("LOCAL_WORLD_SIZE={}: the ranks on this machine", *local_world) : world)
                     .value_or(0);
  if (e.local_rank > e.rank) {
    input_error(
        "environment: LOCAL_RANK={} is above RANK={}: a process's rank on its machine cannot exceed its rank "
        "in the job",
        e.local_rank, e.rank);
  }
  if (local_world && e.rank - e.local_rank + e.local_world_size > e.world_size) {
    input_error(
        "environment: RANK={}, LOCAL_RANK={} and LOCAL_WORLD_SIZE={} put this machine's ranks at {} to {}, past "
        "WORLD_SIZE={}",
        e.rank, e.local_rank, e.local_world_size, e.rank - e.local_rank, e.rank - e.local_rank + e.local_world_size - 1,
        e.world_size);
  }
  const auto machines = optional_integer("GROUP_WORLD_SIZE", 1, e.world_size, world);
  e.group_rank = optional_integer("GROUP_RANK", 0, machines.value_or(e.world_size) - 1,
                                  machines ? fmt::format("GROUP_WORLD_SIZE={}: the job's machines", *machines) : world)
                     .value_or(0);
  // Every rank of an attune job trains: one role, whose ranks are the job's.
  if (const auto role_world = optional_integer("ROLE_WORLD_SIZE", 1, e.world_size, world);
      role_world && *role_world != e.world_size) {
    input_error(
        "environment: ROLE_WORLD_SIZE={} differs from WORLD_SIZE={}: the job has several roles, but every rank of an "
        "attune job trains; start attune as the job's only role",
        *role_world, e.world_size);
  }
  if (const auto role_rank = optional_integer("ROLE_RANK", 0, e.world_size - 1, world);
      role_rank && *role_rank != e.rank) {
    input_error("environment: ROLE_RANK={} differs from RANK={}: with one role (every rank trains) they are the same",
                *role_rank, e.rank);
  }

  const auto address = variable("MASTER_ADDR");
  if (!address) {
    input_error(
        "environment: WORLD_SIZE is set, so MASTER_ADDR must be too: the host of rank 0 (as torchrun sets "
        "it; or start the processes with `attune launch --nproc N ...`)");
  }
  e.master_addr = *address;
  e.master_port = required_integer("MASTER_PORT", 1, 65535);

  // torchrun's elastic agent: who serves the store, which attempt this is.
  if (const auto agent = variable("TORCHELASTIC_USE_AGENT_STORE")) {
    if (*agent != "True" && *agent != "False") {
      input_error("environment: TORCHELASTIC_USE_AGENT_STORE=`{}`: expected `True` or `False` (as torchrun sets it)",
                  *agent);
    }
    e.use_agent_store = *agent == "True";
  }
  const auto max_restarts = optional_integer("TORCHELASTIC_MAX_RESTARTS", 0, 1 << 30);
  e.max_restarts = max_restarts.value_or(0);
  const auto restarts =
      optional_integer("TORCHELASTIC_RESTART_COUNT", 0, max_restarts.value_or(1 << 30),
                       max_restarts ? fmt::format("TORCHELASTIC_MAX_RESTARTS={}", *max_restarts) : std::string());
  if (e.use_agent_store && !restarts) {
    // PyTorch keys each attempt's store under its count (KeyError without it).
    input_error(
        "environment: TORCHELASTIC_USE_AGENT_STORE=True, so TORCHELASTIC_RESTART_COUNT must be set too (each "
        "attempt's keys in the agent's store are under /worker/attempt_<count>)");
  }
  e.restart_count = restarts.value_or(0);
  e.run_id = variable("TORCHELASTIC_RUN_ID").value_or("");
  return e;
}

std::optional<PartialEnvironment> partial_distributed_environment() {
  PartialEnvironment partial;
  DistributedEnvironment& e = partial.environment;
  const auto integer = [](const char* name) {
    const auto text = variable(name);
    return text ? parse_integer(*text) : std::nullopt;
  };
  const auto world = integer("WORLD_SIZE");
  const auto port = integer("MASTER_PORT");
  const auto address = variable("MASTER_ADDR");
  if (!world || *world < 2 || *world > kMaxRanks || !port || *port < 1 || *port > 65535 || !address) {
    return std::nullopt;
  }
  e.world_size = *world;
  e.master_port = *port;
  e.master_addr = *address;
  partial.rank_text = variable("RANK").value_or("(RANK unset)");
  const auto rank = integer("RANK");
  e.rank = rank && *rank >= 0 && *rank < e.world_size ? *rank : -1;
  e.use_agent_store = variable("TORCHELASTIC_USE_AGENT_STORE") == std::optional<std::string>("True");
  const auto restarts = integer("TORCHELASTIC_RESTART_COUNT");
  e.restart_count = restarts && *restarts >= 0 ? *restarts : 0;
  e.run_id = variable("TORCHELASTIC_RUN_ID").value_or("");
  return partial;
}

int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  if (fd >= 0) close(fd);
  if (!ok) runtime_error("no free TCP port on loopback for the rendezvous");
  return ntohs(address.sin_port);
}

}  // namespace attune
