#pragma once

#include <torch/types.h>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/distributed/backend.h"
#include "core/distributed/environment.h"

namespace attune {

class JobStore;

/// The collectives a data-parallel run needs, over PyTorch's own c10d: a
/// TCPStore for the rendezvous (served by torchrun's agent when
/// TORCHELASTIC_USE_AGENT_STORE=True, else by rank 0 at MASTER_ADDR:MASTER_PORT),
/// then ProcessGroupGloo on CPU or ProcessGroupNCCL on CUDA.
///
/// The rendezvous polls: each rank posts its arrival and waits for all the
/// others' while watching for a rank that posts its failure instead (see
/// report_failure_to_job), so one rank that cannot join stops the rest at
/// once, with its message. A peer that dies later makes the next collective
/// throw a RuntimeError naming the operation (after at most `timeout` when the
/// peer hangs instead), never a hang.
class Distributed {
 public:
  /// `backend`: `auto` (NCCL for CUDA where this LibTorch has it, else Gloo), `gloo` or `nccl`.
  static std::shared_ptr<Distributed> connect(const DistributedEnvironment& environment, const torch::Device& device,
                                              DistributedBackend backend, std::chrono::milliseconds timeout);
  virtual ~Distributed();

  int64_t rank() const { return environment_.rank; }
  int64_t world_size() const { return environment_.world_size; }
  int64_t local_rank() const { return environment_.local_rank; }
  bool is_main() const { return environment_.rank == 0; }
  const std::string& backend_name() const { return backend_name_; }
  const DistributedEnvironment& environment() const { return environment_; }

  /// Rank 0's values into every rank's tensors, in place.
  void broadcast(std::vector<torch::Tensor> tensors);
  /// Sums each tensor over the ranks, in place. Tensors are flattened into
  /// buckets of about `bucket_bytes` so that a model's many small gradients
  /// cost a few collectives, not one each (as DDP's reducer does).
  void all_reduce_sum(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes = 25 << 20);
  /// Rank 0's `value` on every rank (through the store).
  std::string share_from_main(const std::string& key, const std::string& value);
  void barrier();

  /// The run folder every rank of the job uses, as rank 0 decides it.
  struct RunFolder {
    std::string path;
    bool resume = false;  // continue the run there from its last checkpoint
  };
  /// `requested` (--run-dir; empty for the default) on a first attempt. A
  /// restarted torchrun attempt (TORCHELASTIC_RESTART_COUNT > 0) continues
  /// the job's run instead of starting another: its folder is the first
  /// attempt's, resumed from its last checkpoint where there is one. Without
  /// --run-dir that folder is `runs/<experiment_name>-<TORCHELASTIC_RUN_ID>`
  /// when torchrun was given a run id, else the first attempt's
  /// `runs/<name>-<date>-<time>`, which it records in the agent's store (it
  /// outlives the attempts). When rank 0 fails here the others stop with its
  /// message.
  RunFolder run_folder(const std::string& requested, const std::string& experiment_name);

 protected:
  Distributed(DistributedEnvironment environment, std::string backend_name, std::shared_ptr<JobStore> store);
  // One collective on one flat tensor; the backend's (Gloo, NCCL) part.
  virtual void all_reduce_one(torch::Tensor& tensor) = 0;
  virtual void broadcast_one(torch::Tensor& tensor) = 0;
  virtual void barrier_all() = 0;

 private:
  template <class F>
  void guarded(const char* operation, F&& f);
  RunFolder choose_run_folder(const std::string& requested, const std::string& experiment_name);

  DistributedEnvironment environment_;
  std::string backend_name_;
  std::shared_ptr<JobStore> store_;
};

/// Posts `error` as this rank's failure to its job's store, so that the ranks
/// waiting at the rendezvous stop with it instead of waiting out their
/// timeout; see report_failure_to_job. Best effort: it gives up after a few
/// seconds when the store cannot be reached (rank 0, which serves it, keeps
/// it up that long for the others to read). Does nothing outside a
/// data-parallel job, or once this process has joined its job or reported
/// already. Never throws.
void report_join_failure(const std::exception& error) noexcept;

/// Runs `join`, a step of joining a data-parallel job (reading the experiment,
/// the environment, connecting); when it throws, reports the error to the job
/// (report_join_failure) before passing it on.
template <class F>
auto report_failure_to_job(F&& join) -> decltype(join()) {
  try {
    return join();
  } catch (const std::exception& error) {
    report_join_failure(error);
    throw;
  }
}

}  // namespace attune
