#include "core/train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <torch/cuda.h>
#include <torch/serialize.h>

#include <filesystem>

#include "core/error.h"
#include "core/io/atomic_file.h"

namespace attune {
namespace {

constexpr const char* kFormat = "attune-checkpoint-1";

at::Generator cpu_generator() {
  return at::detail::getDefaultCPUGenerator();
}

// Every CUDA device's generator: a run resumed mid-epoch on CUDA draws what
// the uninterrupted one would have drawn (as with the CPU generator).
int64_t cuda_generators() {
  return torch::cuda::is_available() ? static_cast<int64_t>(torch::cuda::device_count()) : 0;
}
at::Generator cuda_generator(int64_t index) {
  return at::globalContext().defaultGenerator(c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index)));
}

torch::Tensor generator_state(at::Generator generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_generator_state(at::Generator generator, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state.to(torch::kCPU));  // the archive may have mapped it to a GPU
}

// Where the model's tensors live: the checkpoint's tensors are read straight
// there, whatever device wrote them (PyTorch's map_location).
torch::Device model_device(torch::nn::Module& model) {
  for (const auto& parameter : model.parameters()) return parameter.device();
  for (const auto& buffer : model.buffers()) return buffer.device();
  return torch::kCPU;
}

}  // namespace

void save_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                     const nlohmann::json& trainer_state, const std::vector<torch::Tensor>& extra) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  if (optimizer) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  }
  archive.write("rng_cpu", generator_state(cpu_generator()));
  const int64_t cuda = cuda_generators();
  archive.write("rng_cuda_count", c10::IValue(cuda));
  for (int64_t i = 0; i < cuda; ++i) archive.write(fmt::format("rng_cuda_{}", i), generator_state(cuda_generator(i)));
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("trainer_state", c10::IValue(trainer_state.dump()));
  archive.write("extra_count", c10::IValue(static_cast<int64_t>(extra.size())));
  for (size_t i = 0; i < extra.size(); ++i) archive.write(fmt::format("extra_{}", i), extra[i]);

  std::string bytes;
  archive.save_to([&bytes](const void* data, size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  write_file_atomically(path, bytes);
}

nlohmann::json load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                               bool restore_rng, std::vector<torch::Tensor>* extra) {
  if (!std::filesystem::exists(path)) input_error("{}: checkpoint not found", path);
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, model_device(model));
    c10::IValue format;
    if (!archive.try_read("format", format) || !format.isString() || format.toStringRef() != kFormat) {
      input_error("{}: not an attune checkpoint (no `{}` marker)", path, kFormat);
    }
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    model.load(model_archive);
    if (optimizer) {
      torch::serialize::InputArchive optimizer_archive;
      archive.read("optimizer", optimizer_archive);
      optimizer->load(optimizer_archive);
    }
    if (restore_rng) {
      torch::Tensor state;
      archive.read("rng_cpu", state);
      set_generator_state(cpu_generator(), state);
      // The GPUs this machine has of those that wrote it (none, on a CPU).
      c10::IValue saved;
      const int64_t count = archive.try_read("rng_cuda_count", saved) && saved.isInt() ? saved.toInt() : 0;
      for (int64_t i = 0; i < std::min(count, cuda_generators()); ++i) {
        torch::Tensor cuda_state;  // a fresh tensor: reading into a defined one rebinds it in place
        archive.read(fmt::format("rng_cuda_{}", i), cuda_state);
        set_generator_state(cuda_generator(i), cuda_state);
      }
    }
    if (extra) {
      c10::IValue saved;
      const int64_t count = archive.try_read("extra_count", saved) && saved.isInt() ? saved.toInt() : 0;
      if (count != static_cast<int64_t>(extra->size())) {
        input_error(
            "{}: the checkpoint keeps {} tensors beside the model, this run {} (train.ema changed since it "
            "was written?)",
            path, count, extra->size());
      }
      for (int64_t i = 0; i < count; ++i) {
        torch::Tensor tensor;
        archive.read(fmt::format("extra_{}", i), tensor);
        torch::NoGradGuard no_grad;
        (*extra)[static_cast<size_t>(i)].copy_(tensor);
      }
    }
    c10::IValue trainer_state;
    archive.read("trainer_state", trainer_state);
    return nlohmann::json::parse(trainer_state.toStringRef());
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    // LibTorch's messages carry a C++ backtrace: keep the first line only.
    std::string message = e.what();
    message = message.substr(0, message.find('\n'));
    input_error("{}: cannot read the checkpoint (truncated, corrupt, or saved from another model): {}", path, message);
  }
}

}  // namespace attune
