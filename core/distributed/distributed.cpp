#include "core/distributed/distributed.h"

// c10d's headers hide each backend behind USE_C10D_GLOO / USE_C10D_NCCL, which
// pip's LibTorch defines whether or not its headers can be used (its wheels ship
// no gloo headers). CMake sets ATTUNE_WITH_GLOO where gloo's headers are found
// (Debian's libgloo-dev) and ATTUNE_WITH_NCCL for a CUDA LibTorch with nccl.h.
#ifdef ATTUNE_WITH_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef ATTUNE_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <nlohmann/json.hpp>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "core/error.h"
#include "core/io/run_directory.h"

namespace attune {
namespace {

// How often a waiting rank looks at the store for arrivals and failures.
constexpr auto kPoll = std::chrono::milliseconds(50);
// How long a rank that failed before joining tries to reach the store to say
// so, and how long rank 0, when it serves the store, keeps it up for the
// others to read that.
constexpr auto kReportGrace = std::chrono::seconds(10);

// Set once this process has joined its job, or has told it (or could not
// tell it) why not: from then on report_join_failure has nothing to add.
std::atomic<bool> job_told{false};

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

std::string seconds(std::chrono::milliseconds duration) {
  return fmt::format("{:g} s", duration.count() / 1000.0);
}

bool is_loopback(const std::string& address) {
  return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

std::string list_ranks(const std::vector<int64_t>& ranks) {
  std::string text;
  for (size_t i = 0; i < ranks.size() && i < 10; ++i) text += (i ? ", " : "") + std::to_string(ranks[i]);
  if (ranks.size() > 10) text += fmt::format(" and {} more", ranks.size() - 10);
  return text;
}

}  // namespace

/// Serves the store with TCPStore's classic backend where LibTorch has the
/// choice (libuv's is the default from 2.4): a LibTorch built without libuv
/// (Debian's 2.x) refuses to serve with it, and one thread serves the few
/// ranks of an attune job as well.
template <class Options>
auto serve_without_libuv(Options& options, int) -> decltype(options.useLibUV = false, void()) {
  options.useLibUV = false;
}
template <class Options>
void serve_without_libuv(Options&, long) {}

/// The job's key-value store, and attune's protocol on it. Keys live under
/// `attune/` in this attempt's part of the store: `arrived/<rank>` (a counter,
/// so a second process with the same RANK is found out), `failure_slots` and
/// `failure/<n>` (a failed rank's JSON: rank, when, message),
/// `failure_seen` (ranks that stopped because of one) and `value/<key>`
/// (what rank 0 shares).
class JobStore {
 public:
  /// Connects to the job's store (or serves it, with `serve`): a client retries
  /// until `timeout` while nothing listens there yet.
  JobStore(const DistributedEnvironment& environment, std::string rank_text, bool serve,
           std::chrono::milliseconds timeout)
      : environment_(environment), rank_text_(std::move(rank_text)), serving_(serve), timeout_(timeout) {
    c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(environment.master_port);
    options.isServer = serve;
    // The rendezvous below counts arrivals itself, so that a wait can stop
    // for a failure and name the missing ranks.
    options.waitWorkers = false;
    options.timeout = timeout;
    serve_without_libuv(options, 0);
    root_ = c10::make_intrusive<c10d::TCPStore>(environment.master_addr, options);
    const std::string prefix = environment.store_prefix();
    // As PyTorch's _create_c10d_store: each attempt keys its part of the agent's store.
    store_ = prefix.empty() ? c10::intrusive_ptr<c10d::Store>(root_)
                            : c10::intrusive_ptr<c10d::Store>(c10::make_intrusive<c10d::PrefixStore>(prefix, root_));
  }

  /// This attempt's store, for the process group.
  const c10::intrusive_ptr<c10d::Store>& store() const { return store_; }

  /// Posts this rank's arrival and waits for every other's, polling; throws
  /// when another rank posts a failure or `timeout` passes first.
  void arrive() {
    const auto rank = environment_.rank;
    talking("waiting at the rendezvous", [&] {
      if (store_->add(key("arrived/" + std::to_string(rank)), 1) > 1) {
        const InputError duplicate(fmt::format(
            "rank {}: another process of this job also has RANK={}: each process needs its own RANK, from 0 to "
            "WORLD_SIZE - 1 = {}",
            rank, rank, environment_.world_size - 1));
        post_failure("while joining the job", duplicate);
        throw duplicate;
      }
      std::vector<std::string> keys;
      for (int64_t r = 0; r < environment_.world_size; ++r) keys.push_back(key("arrived/" + std::to_string(r)));
      const auto deadline = std::chrono::steady_clock::now() + timeout_;
      while (true) {
        stop_if_failed();
        if (store_->check(keys)) return;
        if (std::chrono::steady_clock::now() > deadline) {
          std::vector<int64_t> missing;
          for (int64_t r = 0; r < environment_.world_size; ++r) {
            if (!store_->check({keys[static_cast<size_t>(r)]})) missing.push_back(r);
          }
          runtime_error(
              "rank {} of {}: rank(s) {} did not arrive at the rendezvous at {} within {} "
              "(distributed.timeout_seconds): check that they were started, with the same MASTER_ADDR, MASTER_PORT "
              "and WORLD_SIZE, and see their output",
              rank, environment_.world_size, list_ranks(missing), environment_.store_address(), seconds(timeout_));
        }
        std::this_thread::sleep_for(kPoll);
      }
    });
  }

  /// Rank 0's value of `name` (see share), polling; throws when a rank posts
  /// a failure first, or after the timeout.
  std::string wait_for(const std::string& name) {
    std::string value;
    talking("waiting for rank 0's " + name, [&] {
      const std::string k = key("value/" + name);
      const auto deadline = std::chrono::steady_clock::now() + timeout_;
      while (!store_->check({k})) {
        stop_if_failed();
        if (std::chrono::steady_clock::now() > deadline) {
          runtime_error("rank {} of {}: rank 0 did not share its {} within {} (see its output)", environment_.rank,
                        environment_.world_size, name, seconds(timeout_));
        }
        std::this_thread::sleep_for(kPoll);
      }
      const auto bytes = store_->get(k);
      value.assign(bytes.begin(), bytes.end());
    });
    return value;
  }

  void share(const std::string& name, const std::string& value) {
    talking("sharing its " + name,
            [&] { store_->set(key("value/" + name), std::vector<uint8_t>(value.begin(), value.end())); });
  }

  /// A value kept outside the attempts' parts of the store (the agent's store
  /// outlives them), or nullopt.
  std::optional<std::string> job_value(const std::string& name) {
    const std::string k = job_key(name);
    if (!root_->check({k})) return std::nullopt;
    const auto bytes = root_->get(k);
    return std::string(bytes.begin(), bytes.end());
  }
  void set_job_value(const std::string& name, const std::string& value) {
    root_->set(job_key(name), std::vector<uint8_t>(value.begin(), value.end()));
  }

  /// Posts `error` as this rank's failure (`when`: what it was doing), for
  /// the ranks waiting on the store to stop with. Where this rank serves the
  /// store, it keeps it up until every other rank has read it or posted a
  /// failure of its own (at most a few seconds). Best effort: the rank's own
  /// error is what it reports, so the store's errors are dropped.
  void post_failure(const std::string& when, const std::exception& error) noexcept {
    job_told = true;
    try {
      const auto* attune_error = dynamic_cast<const Error*>(&error);
      const nlohmann::json failure = {{"rank", rank_text_},
                                      {"when", when},
                                      {"message", first_line(error.what())},
                                      {"exit_code", attune_error ? attune_error->exit_code() : kExitFailure}};
      const std::string text = failure.dump();
      const int64_t slot = store_->add(key("failure_slots"), 1);
      store_->set(key("failure/" + std::to_string(slot)), std::vector<uint8_t>(text.begin(), text.end()));
      if (!serving_) return;
      const auto deadline =
          std::chrono::steady_clock::now() + std::min<std::chrono::milliseconds>(timeout_, kReportGrace);
      while (std::chrono::steady_clock::now() < deadline) {
        const int64_t told = store_->add(key("failure_seen"), 0) + store_->add(key("failure_slots"), 0) - 1;
        if (told >= environment_.world_size - 1) break;
        std::this_thread::sleep_for(kPoll);
      }
    } catch (const std::exception&) {
    }
  }

 private:
  std::string key(const std::string& name) const { return "attune/" + name; }
  std::string job_key(const std::string& name) const {
    return "attune/" + (environment_.run_id.empty() ? std::string("job") : environment_.run_id) + "/" + name;
  }

  /// Throws, naming the rank, when one has posted a failure.
  void stop_if_failed() {
    const int64_t slots = store_->add(key("failure_slots"), 0);
    for (int64_t slot = 1; slot <= slots; ++slot) {
      const std::string k = key("failure/" + std::to_string(slot));
      if (!store_->check({k})) continue;  // being written
      const auto bytes = store_->get(k);
      const auto failure = nlohmann::json::parse(std::string(bytes.begin(), bytes.end()));
      store_->add(key("failure_seen"), 1);
      job_told = true;
      runtime_error("rank {} of {}: stopping, because rank {} failed {}: {}", environment_.rank,
                    environment_.world_size, failure.value("rank", "?"), failure.value("when", "while joining the job"),
                    failure.value("message", ""));
    }
  }

  /// Runs `f`, which talks to the store; the store's own errors (its server
  /// gone, a timeout) become a message saying what this rank was doing.
  template <class F>
  void talking(const std::string& doing, F&& f) {
    try {
      f();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      runtime_error(
          "rank {} of {}: lost the job's store at {} while {} ({} serving it has probably stopped; see its "
          "output): {}",
          environment_.rank, environment_.world_size, environment_.store_address(), doing,
          environment_.use_agent_store ? "torchrun's agent" : "rank 0", first_line(e.what()));
    }
  }

  DistributedEnvironment environment_;
  std::string rank_text_;
  bool serving_;
  std::chrono::milliseconds timeout_;
  c10::intrusive_ptr<c10d::TCPStore> root_;
  c10::intrusive_ptr<c10d::Store> store_;
};

namespace {

/// One backend's collectives on its c10d process group (ProcessGroupGloo or
/// ProcessGroupNCCL: a ProcessGroup in LibTorch 1.x, a Backend in 2.x, with
/// the same methods, hence the template).
template <class Group>
class DistributedOver : public Distributed {
 public:
  DistributedOver(DistributedEnvironment environment, std::string name, std::shared_ptr<JobStore> store,
                  c10::intrusive_ptr<Group> group)
      : Distributed(std::move(environment), std::move(name), std::move(store)), group_(std::move(group)) {}

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

 private:
  c10::intrusive_ptr<Group> group_;
};

/// Opens the job's store as `environment` says (a client of torchrun's
/// agent's, or rank 0's; rank 0 serves its own), with a message saying what
/// to check when that fails.
std::shared_ptr<JobStore> open_store(const DistributedEnvironment& environment, std::chrono::milliseconds timeout) {
  const bool serve = environment.rank_zero_serves_store() && environment.rank == 0;
  try {
    return std::make_shared<JobStore>(environment, std::to_string(environment.rank), serve, timeout);
  } catch (const std::exception& e) {
    if (serve) {
      runtime_error(
          "rank 0: cannot serve the job's store on port {} of {}: {}: is another process (another job) using "
          "MASTER_PORT={}? Choose a free one; under torchrun, whose agent serves the store itself, "
          "TORCHELASTIC_USE_AGENT_STORE=True must be set",
          environment.master_port, environment.master_addr, first_line(e.what()), environment.master_port);
    }
    runtime_error(
        "rank {}: cannot reach the job's store at {} within {} (distributed.timeout_seconds): {}: check that {} runs "
        "there and listens on that port, that MASTER_ADDR and MASTER_PORT are the same for every rank, and that no "
        "firewall blocks the port",
        environment.rank, environment.store_address(), seconds(timeout), first_line(e.what()),
        environment.use_agent_store ? "torchrun's agent (TORCHELASTIC_USE_AGENT_STORE=True)" : "rank 0 of the job");
  }
}

}  // namespace

Distributed::Distributed(DistributedEnvironment environment, std::string backend_name, std::shared_ptr<JobStore> store)
    : environment_(std::move(environment)), backend_name_(std::move(backend_name)), store_(std::move(store)) {}

Distributed::~Distributed() = default;

std::shared_ptr<Distributed> Distributed::connect(const DistributedEnvironment& environment,
                                                  const torch::Device& device, DistributedBackend backend,
                                                  std::chrono::milliseconds timeout) {
  // Everything this rank can find wrong on its own is found before it
  // arrives: once all have arrived, the others are inside the backend's own
  // rendezvous and would only learn of a failure by its timeout.
  bool nccl = false;
  switch (backend) {
    case DistributedBackend::nccl:
#ifdef ATTUNE_WITH_NCCL
      if (!device.is_cuda()) {
        input_error("distributed.backend `nccl` needs `device: cuda`; on CPU use `gloo` (or `auto`)");
      }
      nccl = true;
#else
      input_error("distributed.backend `nccl`: this LibTorch was built without NCCL (a CPU build); use `gloo`");
#endif
      break;
    case DistributedBackend::automatic:
#ifdef ATTUNE_WITH_NCCL
      nccl = device.is_cuda();
#endif
      break;
    case DistributedBackend::gloo:
      break;
  }
#ifdef ATTUNE_WITH_GLOO
  auto gloo_options = c10d::ProcessGroupGloo::Options::create(timeout);
  if (!nccl) {
    // Loopback jobs talk over loopback; others over GLOO_SOCKET_IFNAME (as
    // PyTorch reads it) or the address this host's name resolves to.
    const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
    try {
      gloo_options->devices.push_back(
          is_loopback(environment.master_addr) ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
          : interface && *interface            ? c10d::ProcessGroupGloo::createDeviceForInterface(interface)
                                               : c10d::ProcessGroupGloo::createDefaultDevice());
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      runtime_error("rank {}: no network device for Gloo{}: {}", environment.rank,
                    interface ? fmt::format(" (GLOO_SOCKET_IFNAME={})", interface) : "", first_line(e.what()));
    }
  }
#else
  if (!nccl) {
    input_error(
        "distributed.backend `{}`: this attune was built without Gloo (the LibTorch it was built against ships "
        "no gloo headers, as pip's wheels do not); use `nccl` on CUDA, or build against Debian's libtorch-dev",
        config::name_of(backend));
  }
#endif

  // From here on this rank tells the job itself when it fails.
  job_told = true;
  const auto job = open_store(environment, timeout);
  job->arrive();
  const int rank = static_cast<int>(environment.rank), size = static_cast<int>(environment.world_size);
  try {
#ifdef ATTUNE_WITH_NCCL
    if (nccl) {
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      auto group = c10::make_intrusive<c10d::ProcessGroupNCCL>(job->store(), rank, size, options);
      return std::make_shared<DistributedOver<c10d::ProcessGroupNCCL>>(environment, "nccl", job, group);
    }
#endif
#ifdef ATTUNE_WITH_GLOO
    auto group = c10::make_intrusive<c10d::ProcessGroupGloo>(job->store(), rank, size, gloo_options);
    return std::make_shared<DistributedOver<c10d::ProcessGroupGloo>>(environment, "gloo", job, group);
#endif
  } catch (const std::exception& e) {
    const Error failure(fmt::format("rank {}: connecting the {} process group failed: {}", environment.rank,
                                    nccl ? "NCCL" : "Gloo", first_line(e.what())));
    job->post_failure("while connecting the process group", failure);
    throw failure;
  }
  runtime_error("rank {}: no process group backend for this device", environment.rank);  // unreachable
}

void report_join_failure(const std::exception& error) noexcept {
  if (job_told.exchange(true)) return;
  try {
    const auto partial = partial_distributed_environment();
    if (!partial) return;
    const DistributedEnvironment& environment = partial->environment;
    // Only a rank that knows it is rank 0 serves a store; one whose RANK is
    // unusable can still post to the agent's, which is up before any worker.
    const bool serve = environment.rank_zero_serves_store() && environment.rank == 0;
    if (environment.rank < 0 && !environment.use_agent_store) return;
    JobStore job(environment, partial->rank_text, serve, kReportGrace);
    job.post_failure("while joining the job", error);
  } catch (...) {
    // Best effort: the rank's own error is what it reports.
  }
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
                  world_size(), operation, first_line(e.what()));
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
  if (!is_main()) return store_->wait_for(key);
  store_->share(key, value);
  return value;
}

void Distributed::barrier() {
  guarded("barrier", [&] { barrier_all(); });
}

Distributed::RunFolder Distributed::run_folder(const std::string& requested, const std::string& experiment_name) {
  std::string shared;
  if (is_main()) {
    RunFolder folder;
    try {
      folder = choose_run_folder(requested, experiment_name);
    } catch (const std::exception& e) {
      store_->post_failure("while choosing the run folder", e);
      throw;
    }
    shared = nlohmann::json{{"path", folder.path}, {"resume", folder.resume}}.dump();
  }
  shared = share_from_main("run_folder", shared);
  const auto json = nlohmann::json::parse(shared);
  return {json.at("path").get<std::string>(), json.at("resume").get<bool>()};
}

Distributed::RunFolder Distributed::choose_run_folder(const std::string& requested,
                                                      const std::string& experiment_name) {
  namespace fs = std::filesystem;
  const auto& e = environment_;
  const bool restarted = e.restart_count > 0;
  // torchrun's default run id, `none`, names no job in particular.
  const bool named_job = !e.run_id.empty() && e.run_id != "none";
  std::string path = requested;
  bool named_after_job = false;
  if (path.empty()) {
    const std::string fresh = RunDirectory::default_path(experiment_name);
    if (named_job) {
      std::string id = e.run_id;
      for (char& c : id) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
      }
      path = (fs::path(fresh).parent_path() / (experiment_name + "-" + id)).string();
      named_after_job = true;
    } else if (e.use_agent_store) {
      const auto first = restarted ? store_->job_value("run_folder") : std::nullopt;
      path = first.value_or(fresh);
      if (restarted && !first) {
        fmt::print(stderr,
                   "attune: torchrun attempt {}: the first attempt's run folder is not in the agent's store; "
                   "starting {}\n",
                   e.restart_count, path);
      }
      store_->set_job_value("run_folder", path);
    } else {
      path = fresh;
      if (restarted) {
        fmt::print(stderr,
                   "attune: torchrun attempt {}: no run id (--rdzv-id) and no agent store say which folder the first "
                   "attempt wrote; starting {} (give --run-dir to continue a restarted job's run)\n",
                   e.restart_count, path);
      }
    }
  }
  const bool has_run = fs::exists(RunDirectory(path).last_checkpoint());
  if (has_run && !restarted && named_after_job) {
    input_error(
        "{} (named after torchrun's run id, TORCHELASTIC_RUN_ID={}) already holds a run: continue it with `attune "
        "train --resume {}`, or give torchrun another --rdzv-id or attune a --run-dir",
        path, e.run_id, path);
  }
  if (restarted && has_run) {
    fmt::print(stderr, "attune: torchrun attempt {} of {}: continuing {} from its last checkpoint\n", e.restart_count,
               e.max_restarts, path);
  }
  return {path, restarted && has_run};
}

}  // namespace attune
