#include "core/train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
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

}  // namespace

void save_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                     const nlohmann::json& trainer_state) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  if (optimizer) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  }
  {
    auto generator = cpu_generator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    archive.write("rng_cpu", generator.get_state());
  }
  archive.write("format", c10::IValue(std::string(kFormat)));
  archive.write("trainer_state", c10::IValue(trainer_state.dump()));

  std::string bytes;
  archive.save_to([&bytes](const void* data, size_t size) {
    bytes.append(static_cast<const char*>(data), size);
    return size;
  });
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  write_file_atomically(path, bytes);
}

nlohmann::json load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                               bool restore_rng) {
  if (!std::filesystem::exists(path)) input_error("{}: checkpoint not found", path);
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
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
      auto generator = cpu_generator();
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(state);
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
