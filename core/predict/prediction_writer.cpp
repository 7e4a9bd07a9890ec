#include "core/predict/prediction_writer.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/text/text_fields.h"

namespace attune {

PredictionFormat prediction_format_for(const std::string& output) {
  if (ends_with(output, ".csv")) return PredictionFormat::csv;
  if (ends_with(output, ".jsonl") || ends_with(output, ".json")) return PredictionFormat::jsonl;
  return PredictionFormat::tsv;
}

PredictionWriter::PredictionWriter(std::ostream& out, PredictionFormat format, std::vector<std::string> labels)
    : out_(out), format_(format), labels_(std::move(labels)) {}

// CSV quotes a field holding a comma, quote or line break (RFC 4180); TSV
// fields cannot hold tabs or line breaks, which become spaces.
std::string PredictionWriter::field(const std::string& text) const {
  if (format_ == PredictionFormat::csv) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  }
  std::string plain = text;
  for (char& c : plain) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return plain;
}

void PredictionWriter::write_header() {
  if (format_ == PredictionFormat::jsonl) return;
  const char separator = format_ == PredictionFormat::csv ? ',' : '\t';
  out_ << "prediction";
  for (const auto& label : labels_) out_ << separator << field(label);
  out_ << '\n';
}

void PredictionWriter::write(const Prediction& prediction) {
  if (format_ == PredictionFormat::jsonl) {
    nlohmann::ordered_json row;
    if (labels_.empty()) {  // a regression: the value alone
      row["prediction"] = prediction.value;
      out_ << row.dump() << '\n';
      return;
    }
    row["prediction"] = prediction.label;
    auto& probabilities = row["probabilities"];
    for (size_t i = 0; i < labels_.size(); ++i) probabilities[labels_[i]] = prediction.probabilities[i];
    out_ << row.dump() << '\n';
    return;
  }
  const char separator = format_ == PredictionFormat::csv ? ',' : '\t';
  out_ << field(prediction.label);
  // fmt's shortest form reads back as the same float.
  for (float p : prediction.probabilities) out_ << separator << fmt::format("{}", p);
  out_ << '\n';
}

}  // namespace attune
