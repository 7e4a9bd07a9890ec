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

}  // namespace attune::metric
