#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace attune {

/// A training checkpoint: model parameters and buffers, optimizer state,
/// LibTorch's CPU and CUDA random states and the trainer's own state as JSON (epoch,
/// step, metric history, scheduler, early stopping). LibTorch's archive
/// format; written atomically, so a crash never leaves a torn file.
/// `extra` tensors (the moving average of the weights, train.ema) are kept
/// beside the model's.
void save_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                     const nlohmann::json& trainer_state, const std::vector<torch::Tensor>& extra = {});

/// Loads what save_checkpoint wrote into `model` (and `optimizer` when given),
/// restores the random state, and returns the trainer state. Tensors are read
/// onto the device the model is on, whichever device wrote them (a checkpoint
/// from a GPU loads on a CPU-only machine or another GPU). A missing,
/// truncated or foreign file is an InputError naming it.
/// With `extra`, the extra tensors are copied into it (as many as it holds;
/// an InputError when the checkpoint has another number).
nlohmann::json load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                               bool restore_rng = true, std::vector<torch::Tensor>* extra = nullptr);

}  // namespace attune
