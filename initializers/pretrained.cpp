// `pretrained`: weights from a file, as just another initializer. Checkpoint
// keys go through `rename` and are matched with the model's parameter names
// with or without `prefix` (HuggingFace's `bert.`: present in task models'
// checkpoints, absent from a bare BertModel's).
#include <fmt/ranges.h>  // fmt::join (in ranges.h from fmt 10 on)
#include <fnmatch.h>

#include <map>
#include <set>

#include "core/io/weights_file.h"
#include "initializers/initializer.h"

namespace attune {
namespace {

struct PretrainedOptions {
  std::string path;
  std::string prefix;
  std::vector<std::vector<std::string>> rename;
  std::vector<std::string> ignore;
  bool strict = false;
  static void declare(config::Schema<PretrainedOptions>& s) {
    using O = PretrainedOptions;
    s.field("path", &O::path,
            "attune checkpoint, .safetensors, torch.save'd .bin/.pt state_dict, or HuggingFace model folder")
        .required()
        .path(config::PathKind::existing_any);
    s.field("prefix", &O::prefix,
            "a prefix that checkpoint keys and model names may differ by, either way (e.g. `bert.`)");
    s.field("rename", &O::rename, "[from, to] substring replacements on checkpoint keys, in order");
    s.field("ignore", &O::ignore, "globs of checkpoint keys to skip (reported, never an error)");
    s.field("strict", &O::strict, "missing, unexpected or mis-shaped keys are an error instead of a warning");
    s.check("rename", [](const O& o) -> std::string {
      for (const auto& pair : o.rename) {
        if (pair.size() != 2 || pair[0].empty()) return "each rename is a pair [from, to] with a non-empty from";
      }
      return "";
    });
  }
};

std::string listed(const std::vector<std::string>& names) {
  constexpr size_t kShown = 12;
  std::string text;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > kShown) text += fmt::format(" and {} more", names.size() - kShown);
  return text;
}

class PretrainedInitializer : public Initializer {
 public:
  using Options = PretrainedOptions;

  PretrainedInitializer(const Options& options, const InitializerArgs&) : options_(options) {
    for (auto& [key, tensor] : read_weights(options.path)) {
      bool skip = false;
      for (const auto& glob : options.ignore) skip = skip || fnmatch(glob.c_str(), key.c_str(), 0) == 0;
      if (skip) {
        ignored_.push_back(key);
        continue;
      }
      std::string name = key;
      for (const auto& pair : options.rename) {
        for (size_t at = name.find(pair[0]); at != std::string::npos; at = name.find(pair[0], at + pair[1].size())) {
          name.replace(at, pair[0].size(), pair[1]);
        }
      }
      tensors_[name] = tensor;
    }
  }

  bool apply(torch::Tensor& param, const ParamInfo& info) override {
    auto it = lookup(info.name);
    if (it == tensors_.end()) {
      missing_.push_back(info.name);
      return false;
    }
    used_.insert(it->first);
    const torch::Tensor& source = it->second;
    if (source.sizes() != param.sizes()) {
      mismatched_.push_back(fmt::format("{} (checkpoint [{}], model [{}])", info.name, fmt::join(source.sizes(), ","),
                                        fmt::join(param.sizes(), ",")));
      return false;
    }
    // Half and bfloat16 checkpoints convert to the parameter's dtype.
    param.copy_(source.to(param.dtype()));
    return true;
  }

  std::string finish() override {
    std::vector<std::string> unexpected;
    for (const auto& [name, tensor] : tensors_) {
      if (!used_.count(name)) unexpected.push_back(name);
    }
    std::string problems;
    if (!missing_.empty()) problems += fmt::format("; missing in the checkpoint: {}", listed(missing_));
    if (!mismatched_.empty()) problems += fmt::format("; shape mismatch: {}", listed(mismatched_));
    if (!unexpected.empty()) problems += fmt::format("; unexpected (not in the model): {}", listed(unexpected));
    if (options_.strict && !problems.empty()) {
      input_error("init: pretrained {} (strict){}", options_.path, problems);
    }
    std::string note = fmt::format("loaded {} tensors from {}", used_.size() - mismatched_.size(), options_.path);
    if (!ignored_.empty()) note += fmt::format("; skipped (ignore): {}", listed(ignored_));
    return note + problems;
  }

 private:
  // The checkpoint tensor for a model parameter: same name, or the name with
  // `prefix` removed or added.
  std::map<std::string, torch::Tensor>::iterator lookup(const std::string& name) {
    auto it = tensors_.find(name);
    if (it != tensors_.end() || options_.prefix.empty()) return it;
    const std::string& prefix = options_.prefix;
    it = tensors_.find(name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : prefix + name);
    return it;
  }

  Options options_;
  std::map<std::string, torch::Tensor> tensors_;
  std::set<std::string> used_;
  std::vector<std::string> missing_, mismatched_, ignored_;
};

}  // namespace
}  // namespace attune

ATTUNE_REGISTER_INITIALIZER("pretrained", attune::PretrainedInitializer,
                            "weights from a checkpoint, safetensors, torch.save file or HuggingFace folder")
