#pragma once

#include <string>

#include "tests/support/test_support.h"

namespace attune::testing {

/// The three model types a run can train, each on real data shipped in the repo.
enum class TinyModel {
  transformer,  // transformer_classifier, post-norm, mean pooling: 64 SST-2 dev sentences
  bert,         // bert_classifier from the bert-tiny fixture (HF-made): the same sentences
  vit,          // vit, pre-norm, class token: the 8x8 digits
};

/// A small run of `model`, trained by the attune binary. Trained once and kept
/// in the test folder (tests run as separate processes, also in parallel: a
/// lock file serializes the training), again when the binary changed.
/// Returns the run folder; its data files are in its parent folder.
std::string tiny_run(TinyModel model);

}  // namespace attune::testing
