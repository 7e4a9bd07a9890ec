#pragma once

#include <torch/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attune {

/// Where this process stands in a data-parallel job, as torchrun describes it
/// in the environment: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT.
struct DistributedEnvironment {
  int64_t rank = 0;
  int64_t world_size = 1;
  int64_t local_rank = 0;
  std::string master_addr;
  int64_t master_port = 0;
};

/// A TCP port that is free on loopback now (the kernel's pick), for a
/// rendezvous on this machine.
int free_loopback_port();

/// Reads torchrun's variables. nullopt when WORLD_SIZE is unset or 1 (a plain
/// single-process run); InputError naming the variable when one is missing or
/// malformed.
std::optional<DistributedEnvironment> distributed_environment();

/// The collectives a data-parallel run needs, over PyTorch's own c10d: a
/// TCPStore for the rendezvous (rank 0 serves it at MASTER_ADDR:MASTER_PORT),
/// then ProcessGroupGloo on CPU or ProcessGroupNCCL on CUDA. A peer that dies
/// makes the next collective throw a RuntimeError naming the operation (after
/// at most `timeout` when the peer hangs instead), never a hang.
class Distributed {
 public:
  /// `backend`: "auto" (NCCL for CUDA where this LibTorch has it, else Gloo), "gloo" or "nccl".
  static std::shared_ptr<Distributed> connect(const DistributedEnvironment& environment, const torch::Device& device,
                                              const std::string& backend, std::chrono::milliseconds timeout);
  virtual ~Distributed() = default;

  int64_t rank() const { return environment_.rank; }
  int64_t world_size() const { return environment_.world_size; }
  int64_t local_rank() const { return environment_.local_rank; }
  bool is_main() const { return environment_.rank == 0; }
  const std::string& backend_name() const { return backend_name_; }

  /// Rank 0's values into every rank's tensors, in place.
  void broadcast(std::vector<torch::Tensor> tensors);
  /// Sums each tensor over the ranks, in place. Tensors are flattened into
  /// buckets of about `bucket_bytes` so that a model's many small gradients
  /// cost a few collectives, not one each (as DDP's reducer does).
  void all_reduce_sum(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes = 25 << 20);
  /// Rank 0's `value` on every rank (through the store).
  std::string share_from_main(const std::string& key, const std::string& value);
  void barrier();

 protected:
  Distributed(DistributedEnvironment environment, std::string backend_name)
      : environment_(std::move(environment)), backend_name_(std::move(backend_name)) {}
  // One collective on one flat tensor; the backend's (Gloo, NCCL) part.
  virtual void all_reduce_one(torch::Tensor& tensor) = 0;
  virtual void broadcast_one(torch::Tensor& tensor) = 0;
  virtual void barrier_all() = 0;
  virtual std::string get(const std::string& key) = 0;
  virtual void set(const std::string& key, const std::string& value) = 0;

 private:
  template <class F>
  void guarded(const char* operation, F&& f);

  DistributedEnvironment environment_;
  std::string backend_name_;
};

}  // namespace attune
