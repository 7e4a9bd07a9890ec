#pragma once

#include <string>

/// The names of metrics.csv's columns (and of summary.json's rows), written
/// once: training writes them, and early stopping, reduce_on_plateau, sweeps
/// and plots look them up by these names.
namespace attune::metric {

inline const std::string epoch = "epoch";
inline const std::string step = "step";
/// The first param group's learning rate; the others are `lr_<group>`.
inline const std::string lr = "lr";
inline const std::string train_loss = "train_loss";
inline const std::string val_loss = "val_loss";
inline const std::string val_accuracy = "val_accuracy";
/// The same evaluation of train.ema's averaged weights: val_ema_loss, val_ema_<metric>.
inline const std::string val_ema_loss = "val_ema_loss";
inline const std::string ema_prefix = "val_ema_";

/// What a sweep measures of each trial beside its evaluations, usable as
/// `search.objectives` (all minimized): the model's parameter count, the
/// seconds of training up to the evaluation, and the milliseconds one batch
/// of train.batch_size validation examples takes through the model.
inline const std::string parameters = "parameters";
inline const std::string train_seconds = "train_seconds";
inline const std::string latency_ms = "latency_ms";
inline bool is_trial_measure(const std::string& name) {
  return name == parameters || name == train_seconds || name == latency_ms;
}

}  // namespace attune::metric
