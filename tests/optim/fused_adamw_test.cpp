// FusedAdamW against torch.optim.AdamW: every case of adamw_reference.json
// (made by make_reference.py with Debian's python3-torch) replayed step by
// step, learning rates changed between steps as a scheduler does.
#include "core/optim/fused_adamw.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/test_support.h"

namespace attune {
namespace fused_adamw_test {

const nlohmann::json& reference() {
  static const auto* json = new nlohmann::json(
      nlohmann::json::parse(testing::read_text(testing::source_dir() + "/tests/optim/adamw_reference.json")));
  return *json;
}

torch::Tensor tensor(const nlohmann::json& values, const std::vector<int64_t>& sizes) {
  return torch::tensor(values.get<std::vector<float>>()).reshape(sizes);
}

struct Replay {
  std::vector<torch::Tensor> params;
  std::unique_ptr<FusedAdamW> optimizer;
};

Replay start(const nlohmann::json& c) {
  Replay r;
  std::vector<torch::optim::OptimizerParamGroup> groups;
  const auto betas = c["betas"].get<std::vector<double>>();
  torch::optim::AdamWOptions defaults;
  defaults.betas({betas[0], betas[1]}).eps(c["eps"].get<double>()).amsgrad(c["amsgrad"].get<bool>());
  for (size_t i = 0; i < c["sizes"].size(); ++i) {
    r.params.push_back(tensor(c["initial"][i], c["sizes"][i].get<std::vector<int64_t>>()));
    auto options = std::make_unique<torch::optim::AdamWOptions>(defaults);
    options->lr(c["groups"][i]["lr"].get<double>()).weight_decay(c["groups"][i]["weight_decay"].get<double>());
    groups.emplace_back(std::vector<torch::Tensor>{r.params.back()}, std::move(options));
  }
  r.optimizer = std::make_unique<FusedAdamW>(std::move(groups), defaults);
  return r;
}

void step(Replay& r, const nlohmann::json& c, size_t s) {
  for (size_t i = 0; i < r.params.size(); ++i) {
    r.params[i].mutable_grad() = tensor(c["grads"][s][i], r.params[i].sizes().vec());
    r.optimizer->param_groups()[i].options().set_lr(c["lrs"][s][i].get<double>());
  }
  r.optimizer->step();
}

void expect_matches(const Replay& r, const nlohmann::json& c, size_t s) {
  for (size_t i = 0; i < r.params.size(); ++i) {
    const auto expected = tensor(c["after"][s][i], r.params[i].sizes().vec());
    const double worst = (r.params[i] - expected).abs().max().item<double>();
    // Float arithmetic in PyTorch's order: equal to the last bit or two.
    EXPECT_TRUE(torch::allclose(r.params[i], expected, 1e-6, 1e-7))
        << c["name"].get<std::string>() << " step " << s + 1 << " param " << i << ": largest difference " << worst;
  }
}

TEST(FusedAdamW, MatchesPyTorchsAdamWStepByStep) {
  for (const auto& c : reference()["cases"]) {
    Replay r = start(c);
    for (size_t s = 0; s < c["grads"].size(); ++s) {
      step(r, c, s);
      expect_matches(r, c, s);
    }
  }
}

TEST(FusedAdamW, ItsCheckpointResumesInLibTorchsAdamWAndBack) {
  // Same state format: stop after 3 steps, save, continue in LibTorch's AdamW
  // (and in a fresh FusedAdamW): both still end where PyTorch ended.
  const auto& c = reference()["cases"][0];
  Replay r = start(c);
  for (size_t s = 0; s < 3; ++s) step(r, c, s);
  std::stringstream saved;
  {
    torch::serialize::OutputArchive archive;
    r.optimizer->save(archive);
    archive.save_to(saved);
  }
  for (const bool fused : {false, true}) {
    std::vector<torch::Tensor> params;
    for (const auto& p : r.params) params.push_back(p.detach().clone());
    std::vector<torch::optim::OptimizerParamGroup> groups;
    for (size_t i = 0; i < params.size(); ++i) {
      groups.emplace_back(std::vector<torch::Tensor>{params[i]},
                          std::make_unique<torch::optim::AdamWOptions>(static_cast<const torch::optim::AdamWOptions&>(
                              r.optimizer->param_groups()[i].options())));
    }
    std::unique_ptr<torch::optim::Optimizer> resumed =
        fused ? std::unique_ptr<torch::optim::Optimizer>(std::make_unique<FusedAdamW>(std::move(groups)))
              : std::make_unique<torch::optim::AdamW>(std::move(groups));
    std::stringstream in(saved.str());
    torch::serialize::InputArchive archive;
    archive.load_from(in);
    resumed->load(archive);
    Replay continued{params, nullptr};
    for (size_t s = 3; s < c["grads"].size(); ++s) {
      for (size_t i = 0; i < params.size(); ++i) {
        params[i].mutable_grad() = tensor(c["grads"][s][i], params[i].sizes().vec());
        resumed->param_groups()[i].options().set_lr(c["lrs"][s][i].get<double>());
      }
      resumed->step();
    }
    expect_matches(continued, c, c["grads"].size() - 1);
  }
}

}  // namespace fused_adamw_test
}  // namespace attune
