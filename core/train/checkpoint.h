#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <nlohmann/json.hpp>
#include <string>

namespace attune {

/// A training checkpoint: model parameters and buffers, optimizer state,
/// LibTorch's CPU and CUDA random states and the trainer's own state as JSON (epoch,
/// step, metric history, scheduler, early stopping). LibTorch's archive
/// format; written atomically, so a crash never leaves a torn file.
void save_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                     const nlohmann::json& trainer_state);

/// Loads what save_checkpoint wrote into `model` (and `optimizer` when given),
/// restores the random state, and returns the trainer state. Tensors are read
/// onto the device the model is on, whichever device wrote them (a checkpoint
/// from a GPU loads on a CPU-only machine or another GPU). A missing,
/// truncated or foreign file is an InputError naming it.
nlohmann::json load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                               bool restore_rng = true);

}  // namespace attune
