#pragma once

#include <torch/script.h>

#include <string>

#include "core/predict/trained_model.h"

namespace attune {

/// `attune export --to safetensors`: a folder that `attune predict`, `attune
/// eval --data` and `init: {type: pretrained, path: ...}` take as they take a
/// run: model.safetensors (the model's own parameter names, float32),
/// config.yaml (the run's, with the tokenizer's vocabulary and, for BERT, its
/// config.json copied beside it, no init rules, `device: auto`), labels.json.
void export_safetensors(const TrainedModel& trained, const std::string& out_dir);

/// `attune export --to hf` (BERT classifiers): a HuggingFace folder that
/// AutoModelForSequenceClassification and AutoTokenizer load: config.json
/// with id2label/label2id, model.safetensors under HF's names, vocab.txt,
/// tokenizer_config.json and special_tokens_map.json as the run tokenized.
void export_huggingface(const TrainedModel& trained, const std::string& out_dir);

/// The model as a TorchScript module (Model::torchscript's source, its
/// parameters and buffers on the CPU, and a `labels` attribute), in eval mode.
torch::jit::Module torchscript_module(const TrainedModel& trained);

/// `attune export --to torchscript`: torchscript_module saved to `file`
/// (atomically), loadable by torch::jit::load and torch.jit.load.
void export_torchscript(const TrainedModel& trained, const std::string& file);

}  // namespace attune
