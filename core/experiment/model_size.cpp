#include "core/experiment/model_size.h"

#include <torch/cuda.h>

#include <limits>

#include "core/experiment/experiment.h"
#include "core/system/memory.h"
#include "models/parameter_count.h"

namespace attune {
namespace {

constexpr int64_t kFloat32Bytes = 4;

/// The model's section as one line of YAML, so that a refusal shows the
/// value that made the model big (`num_layers: 1000000000000`).
std::string model_yaml(const Component<ModelKind>& model) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << config::Codec<Component<ModelKind>>::emit(model);
  return out.c_str();
}

/// "2,224,000,000,489,186" or, saturated, "more than 9,223,372,036,854,775,806".
std::string count_text(int64_t n) {
  return n == std::numeric_limits<int64_t>::max() ? "more than " + with_thousands(n - 1) : with_thousands(n);
}

/// "4.7 MiB (4,928,512 bytes: what)".
std::string bytes_text(int64_t bytes, const std::string& what) {
  return fmt::format("{} ({} bytes: {})", format_bytes(bytes), count_text(bytes), what);
}

/// Throws the refusal: `doing` ("training it") needs `needed` bytes of what
/// `footprint.counted` says, more than `holder` ("this machine") has.
[[noreturn]] void refuse(const ExperimentConfig& config, const TrainingFootprint& footprint, int64_t needed,
                         const std::string& doing, const std::string& holder, const MemoryAmount& available) {
  input_error("model `{}` has {} parameters: {} takes at least {}, but {} has {}; make the model smaller (model: {})",
              footprint.model_type, count_text(footprint.parameters), doing, bytes_text(needed, footprint.counted),
              holder, bytes_text(available.bytes, available.source), model_yaml(config.model));
}

}  // namespace

std::string with_thousands(int64_t n) {
  std::string digits = std::to_string(n);
  const size_t first = digits[0] == '-' ? 1 : 0;
  for (size_t at = digits.size(); at > first + 3; at -= 3) digits.insert(at - 3, ",");
  return digits;
}

std::optional<int64_t> parameter_count_from_options(const Component<ModelKind>& model, const DataSpec& spec) {
  const auto* entry = registry<ModelKind>().find(model.type);
  if (!entry || !entry->parameter_count) return std::nullopt;
  return entry->parameter_count(model.options, spec);
}

TrainingFootprint training_footprint(const ExperimentConfig& config, const std::string& model_type,
                                     int64_t parameters) {
  TrainingFootprint f;
  f.model_type = model_type;
  f.parameters = parameters;
  const auto& optimizer = config.optimizer.component;
  const YAML::Node& options = optimizer.options;
  if (optimizer.type == "adam" || optimizer.type == "adamw") {
    const bool amsgrad = options["amsgrad"] && options["amsgrad"].as<bool>();
    f.optimizer_copies = amsgrad ? 3 : 2;
    f.counted = fmt::format("float32 parameters, gradients and {}'s {} moment estimates",
                            optimizer.type == "adam" ? "Adam" : "AdamW", f.optimizer_copies);
  } else if (optimizer.type == "sgd") {
    const bool momentum = options["momentum"] && options["momentum"].as<double>() > 0;
    f.optimizer_copies = momentum ? 1 : 0;
    f.counted = momentum ? "float32 parameters, gradients and SGD's momentum buffer"
                         : "float32 parameters and gradients (SGD without momentum keeps no state)";
  } else {
    // A plugin's optimizer: its state is unknown here, and guessing high
    // would refuse models that fit.
    f.counted = fmt::format("float32 parameters and gradients; optimizer `{}`'s state is not counted", optimizer.type);
  }
  const ParameterCount count(parameters);
  f.parameter_bytes = (count * kFloat32Bytes).value();
  f.bytes = (count * kFloat32Bytes * (2 + f.optimizer_copies)).value();
  return f;
}

std::optional<TrainingFootprint> check_model_fits(const ExperimentConfig& config, const DataSpec& spec,
                                                  const std::optional<c10::Device>& device) {
  const auto parameters = parameter_count_from_options(config.model, spec);
  if (!parameters) return std::nullopt;
  const TrainingFootprint footprint = training_footprint(config, config.model.type, *parameters);
  const bool on_host = device && !device->is_cuda();
  if (device && device->is_cuda()) {
    const int index = device->has_index() ? device->index() : 0;
    const auto memory = cuda_device_memory(index);
    if (memory && footprint.bytes > memory->bytes) {
      refuse(config, footprint, footprint.bytes, "training it", fmt::format("CUDA device {}", index), *memory);
    }
  }
  const auto host = available_host_memory();
  if (host && on_host && footprint.bytes > host->bytes) {
    refuse(config, footprint, footprint.bytes, "training it on the CPU", "this machine", *host);
  }
  // On CUDA too the model is built (and initialised) on the CPU first.
  if (host && !on_host && footprint.parameter_bytes > host->bytes) {
    TrainingFootprint parameters_only = footprint;
    parameters_only.counted = "float32 parameters, built on the CPU before they move to the device";
    refuse(config, parameters_only, footprint.parameter_bytes, "building it", "this machine", *host);
  }
  return footprint;
}

std::optional<c10::Device> device_if_present(const std::string& device) {
  if (device != "auto" && device != "cpu" && !torch::cuda::is_available()) return std::nullopt;
  return resolve_device(device);
}

}  // namespace attune
