#include "core/distributed/distributed.h"

// c10d's headers hide each backend behind USE_C10D_GLOO / USE_C10D_NCCL, which
// pip's LibTorch defines whether or not its headers can be used (its wheels ship
// no gloo headers). CMake sets ATTUNE_WITH_GLOO where gloo's headers are found
// (Debian's libgloo-dev) and ATTUNE_WITH_NCCL for a CUDA LibTorch with nccl.h.
#ifdef ATTUNE_WITH_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef ATTUNE_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "core/error.h"

namespace attune {
namespace {

std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

int64_t integer_variable(const char* name, int64_t low, int64_t high) {
  const auto text = variable(name);
  if (!text) {
    input_error(
        "environment: WORLD_SIZE is set, so {} must be too (as torchrun sets it; or start the processes "
        "with `attune launch --nproc N ...`)",
        name);
  }
  char* end = nullptr;
  const long long value = std::strtoll(text->c_str(), &end, 10);
  if (*end != '\0' || value < low || value > high) {
    input_error("environment: {}=`{}`: expected an integer from {} to {}", name, *text, low, high);
  }
  return value;
}

bool is_loopback(const std::string& address) {
  return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

/// One backend's collectives on its c10d process group (ProcessGroupGloo or
/// ProcessGroupNCCL: a ProcessGroup in LibTorch 1.x, a Backend in 2.x, with
/// the same methods, hence the template).
template <class Group>
class DistributedOver : public Distributed {
 public:
  DistributedOver(DistributedEnvironment environment, std::string name, c10::intrusive_ptr<c10d::Store> store,
                  c10::intrusive_ptr<Group> group)
      : Distributed(std::move(environment), std::move(name)), store_(std::move(store)), group_(std::move(group)) {}

 protected:
  void all_reduce_one(torch::Tensor& tensor) override {
    std::vector<torch::Tensor> tensors{tensor};
    group_->allreduce(tensors)->wait();
  }
  void broadcast_one(torch::Tensor& tensor) override {
    std::vector<torch::Tensor> tensors{tensor};
    group_->broadcast(tensors)->wait();
  }
  void barrier_all() override { group_->barrier()->wait(); }
  std::string get(const std::string& key) override {
    const auto bytes = store_->get(key);
    return std::string(bytes.begin(), bytes.end());
  }
  void set(const std::string& key, const std::string& value) override {
    store_->set(key, std::vector<uint8_t>(value.begin(), value.end()));
  }

 private:
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<Group> group_;
};

}  // namespace

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

std::optional<DistributedEnvironment> distributed_environment() {
  const auto world = variable("WORLD_SIZE");
  if (!world) return std::nullopt;
  DistributedEnvironment environment;
  environment.world_size = integer_variable("WORLD_SIZE", 1, 1 << 16);
  if (environment.world_size == 1) return std::nullopt;
  environment.rank = integer_variable("RANK", 0, environment.world_size - 1);
  environment.local_rank = variable("LOCAL_RANK") ? integer_variable("LOCAL_RANK", 0, environment.world_size - 1) : 0;
  const auto address = variable("MASTER_ADDR");
  if (!address) {
    input_error(
        "environment: WORLD_SIZE is set, so MASTER_ADDR must be too: the host of rank 0 (as torchrun sets "
        "it; or start the processes with `attune launch --nproc N ...`)");
  }
  environment.master_addr = *address;
  environment.master_port = integer_variable("MASTER_PORT", 1, 65535);
  return environment;
}

std::shared_ptr<Distributed> Distributed::connect(const DistributedEnvironment& environment,
                                                  const torch::Device& device, const std::string& backend,
                                                  std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<uint16_t>(environment.master_port);
  store_options.isServer = environment.rank == 0;
  store_options.numWorkers = static_cast<size_t>(environment.world_size);
  store_options.waitWorkers = true;
  store_options.timeout = timeout;
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = c10::make_intrusive<c10d::TCPStore>(environment.master_addr, store_options);
  } catch (const std::exception& e) {
    runtime_error("rank {}: rendezvous at {}:{} failed: {}", environment.rank, environment.master_addr,
                  environment.master_port, std::string(e.what()).substr(0, std::string(e.what()).find('\n')));
  }
  const bool cuda = device.is_cuda();
  const int rank = static_cast<int>(environment.rank), size = static_cast<int>(environment.world_size);
  if (backend == "nccl" || (backend == "auto" && cuda)) {
#ifdef ATTUNE_WITH_NCCL
    if (!cuda) input_error("distributed.backend `nccl` needs `device: cuda`; on CPU use `gloo` (or `auto`)");
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = timeout;
    auto group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, options);
    return std::make_shared<DistributedOver<c10d::ProcessGroupNCCL>>(environment, "nccl", store, group);
#else
    if (backend == "nccl") {
      input_error("distributed.backend `nccl`: this LibTorch was built without NCCL (a CPU build); use `gloo`");
    }
#endif
  }
#ifdef ATTUNE_WITH_GLOO
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  // Loopback jobs talk over loopback; others over GLOO_SOCKET_IFNAME (as
  // PyTorch reads it) or the address this host's name resolves to.
  const auto interface = variable("GLOO_SOCKET_IFNAME");
  options->devices.push_back(is_loopback(environment.master_addr)
                                 ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                             : interface ? c10d::ProcessGroupGloo::createDeviceForInterface(*interface)
                                         : c10d::ProcessGroupGloo::createDefaultDevice());
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  try {
    group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
  } catch (const std::exception& e) {
    runtime_error("rank {}: connecting the Gloo process group failed: {}", environment.rank,
                  std::string(e.what()).substr(0, std::string(e.what()).find('\n')));
  }
  return std::make_shared<DistributedOver<c10d::ProcessGroupGloo>>(environment, "gloo", store, group);
#else
  input_error(
      "distributed.backend `{}`: this attune was built without Gloo (the LibTorch it was built against ships "
      "no gloo headers, as pip's wheels do not); use `nccl` on CUDA, or build against Debian's libtorch-dev",
      backend);
#endif
}

template <class F>
void Distributed::guarded(const char* operation, F&& f) {
  try {
    f();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    // A rank that died closes its connections: the others land here at their
    // next collective (or after the timeout), and stop instead of hanging.
    runtime_error("rank {} of {}: {} failed; another rank has probably stopped (see its output): {}", rank(),
                  world_size(), operation, std::string(e.what()).substr(0, std::string(e.what()).find('\n')));
  }
}

void Distributed::broadcast(std::vector<torch::Tensor> tensors) {
  guarded("broadcast", [&] {
    for (auto& tensor : tensors) {
      torch::NoGradGuard no_grad;
      auto contiguous = tensor.contiguous();
      broadcast_one(contiguous);
      if (!contiguous.is_same(tensor)) tensor.copy_(contiguous);
    }
  });
}

void Distributed::all_reduce_sum(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes) {
  guarded("allreduce", [&] {
    torch::NoGradGuard no_grad;
    size_t begin = 0;
    while (begin < tensors.size()) {
      // One bucket: consecutive tensors of one dtype and device, up to bucket_bytes.
      size_t end = begin;
      int64_t bytes = 0;
      while (end < tensors.size() &&
             (end == begin ||
              (bytes + tensors[end].nbytes() <= static_cast<size_t>(bucket_bytes) &&
               tensors[end].dtype() == tensors[begin].dtype() && tensors[end].device() == tensors[begin].device()))) {
        bytes += static_cast<int64_t>(tensors[end].nbytes());
        ++end;
      }
      std::vector<torch::Tensor> flat;
      for (size_t i = begin; i < end; ++i) flat.push_back(tensors[i].reshape({-1}));
      auto bucket = end - begin == 1 ? flat.front().contiguous() : torch::cat(flat);
      all_reduce_one(bucket);
      int64_t offset = 0;
      for (size_t i = begin; i < end; ++i) {
        const int64_t n = tensors[i].numel();
        tensors[i].copy_(bucket.narrow(0, offset, n).view_as(tensors[i]));
        offset += n;
      }
      begin = end;
    }
  });
}

std::string Distributed::share_from_main(const std::string& key, const std::string& value) {
  std::string result = value;
  guarded("sharing a value through the store", [&] {
    if (is_main()) {
      set("attune/" + key, value);
    } else {
      result = get("attune/" + key);  // waits until rank 0 has set it
    }
  });
  return result;
}

void Distributed::barrier() {
  guarded("barrier", [&] { barrier_all(); });
}

}  // namespace attune
