#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/config/codec.h"
#include "core/predict/predictor.h"

namespace attune {

/// How `attune predict` writes its rows.
enum class PredictionFormat { tsv, csv, jsonl };
inline const config::EnumNames<PredictionFormat>& enum_names(PredictionFormat) {
  static const config::EnumNames<PredictionFormat> names = {
      {PredictionFormat::tsv, "tsv"}, {PredictionFormat::csv, "csv"}, {PredictionFormat::jsonl, "jsonl"}};
  return names;
}

/// The format an output file's extension names (.tsv, .csv, .jsonl/.json);
/// tsv for stdout or anything else.
PredictionFormat prediction_format_for(const std::string& output);

/// Writes one row per prediction, in input order: the predicted label and
/// each class's probability, in columns named `prediction` and then by the
/// labels (TSV/CSV with a header row; JSON Lines objects with the same keys).
class PredictionWriter {
 public:
  PredictionWriter(std::ostream& out, PredictionFormat format, std::vector<std::string> labels);
  void write_header();
  void write(const Prediction& prediction);

 private:
  std::string field(const std::string& text) const;

  std::ostream& out_;
  PredictionFormat format_;
  std::vector<std::string> labels_;
};

}  // namespace attune
