// TensorBoard event files read back by a second implementation: the TFRecord
// framing and its masked CRC-32C checked with a bit-by-bit CRC written here
// (itself checked against RFC 3720's check value), each payload parsed by the
// protobuf code protoc generated; and a run's scalars equal its metrics.csv.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "core/tensorboard/crc32c.h"
#include "core/tensorboard/event.pb.h"
#include "core/tensorboard/event_writer.h"
#include "tests/support/tiny_experiment.h"

namespace attune::testing {
namespace event_file_test {

namespace tb = attune::tensorboard;

uint32_t bitwise_crc32c(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (const unsigned char byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

uint32_t masked(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

uint64_t little_endian(const std::string& bytes, size_t at, int size) {
  uint64_t value = 0;
  for (int i = 0; i < size; ++i) value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return value;
}

std::vector<tb::Event> read_events(const std::string& path) {
  const std::string bytes = read_text(path);
  std::vector<tb::Event> events;
  size_t at = 0;
  while (at < bytes.size()) {
    EXPECT_LE(at + 12, bytes.size()) << "torn header";
    const uint64_t length = little_endian(bytes, at, 8);
    EXPECT_EQ(little_endian(bytes, at + 8, 4), masked(bitwise_crc32c(bytes.substr(at, 8)))) << "length CRC";
    EXPECT_LE(at + 12 + length + 4, bytes.size()) << "torn record";
    const std::string payload = bytes.substr(at + 12, length);
    EXPECT_EQ(little_endian(bytes, at + 12 + length, 4), masked(bitwise_crc32c(payload))) << "payload CRC";
    tb::Event event;
    EXPECT_TRUE(event.ParseFromString(payload));
    events.push_back(event);
    at += 12 + length + 4;
  }
  return events;
}

std::string only_event_file(const std::string& folder) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0) found.push_back(entry.path());
  }
  EXPECT_EQ(found.size(), 1u) << folder;
  return found.empty() ? "" : found[0];
}

TEST(EventFile, Crc32cGivesRfc3720sCheckValue) {
  EXPECT_EQ(bitwise_crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(tb::crc32c("123456789", 9), 0xE3069283u);
  const std::string long_text(1000, 'x');
  EXPECT_EQ(tb::crc32c(long_text.data(), long_text.size()), bitwise_crc32c(long_text));
}

TEST(EventFile, RecordsParseWithTheirCrcsAndHoldWhatWasWritten) {
  TempDir dir;
  const double before = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  {
    tb::EventWriter writer(dir.path());
    writer.scalar("val/accuracy", 0.8125, 7);
    writer.text("config", "    seed: 3", 0);
    writer.histogram("weights/w", {0.0F, 1.0F, 1.0F, 4.0F}, 7, 4);
  }
  const auto events = read_events(only_event_file(dir.path()));
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  const double after = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_GE(events[0].wall_time(), before);  // seconds since 1970, from the system clock
  EXPECT_LE(events[0].wall_time(), after);

  const auto& scalar = events[1].summary().value(0);
  EXPECT_EQ(events[1].step(), 7);
  EXPECT_EQ(scalar.tag(), "val/accuracy");
  EXPECT_EQ(scalar.simple_value(), 0.8125F);

  const auto& text = events[2].summary().value(0);
  EXPECT_EQ(text.metadata().plugin_data().plugin_name(), "text");
  EXPECT_EQ(text.tensor().dtype(), 7);  // DT_STRING
  ASSERT_EQ(text.tensor().string_val_size(), 1);
  EXPECT_EQ(text.tensor().string_val(0), "    seed: 3");

  const auto& histogram = events[3].summary().value(0).histo();
  EXPECT_EQ(histogram.num(), 4);
  EXPECT_EQ(histogram.min(), 0);
  EXPECT_EQ(histogram.max(), 4);
  EXPECT_EQ(histogram.sum(), 6);
  EXPECT_EQ(histogram.sum_squares(), 18);
  ASSERT_EQ(histogram.bucket_size(), 4);
  // TensorBoard reads bucket i as (limit[i-1], limit[i]]; the first also holds the minimum.
  EXPECT_EQ(histogram.bucket_limit(0), 1);
  EXPECT_EQ(histogram.bucket(0), 3);  // 0, 1, 1
  EXPECT_EQ(histogram.bucket(1), 0);
  EXPECT_EQ(histogram.bucket(3), 1);  // 4
}

TEST(EventFile, ATrainingRunLogsItsMetricsRowsAndConfig) {
  TempDir dir;
  const std::string yaml = write_tiny_experiment(dir);
  const auto run = run_attune({"train", yaml, "--run-dir", dir.file("run"), "train.tensorboard_histograms=true"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto events = read_events(only_event_file(dir.file("run")));
  std::map<std::string, std::vector<std::pair<int64_t, float>>> scalars;
  bool config = false, histogram = false;
  for (const auto& event : events) {
    for (const auto& value : event.summary().value()) {
      if (value.has_simple_value()) scalars[value.tag()].emplace_back(event.step(), value.simple_value());
      if (value.tag() == "config") config = value.tensor().string_val(0).find("seed: 3") != std::string::npos;
      if (value.has_histo()) histogram = true;
    }
  }
  EXPECT_TRUE(config);
  EXPECT_TRUE(histogram);
  // metrics.csv: epoch,step,lr,train_loss,val_loss,val_accuracy
  std::istringstream csv(read_text(dir.file("run/metrics.csv")));
  std::string line;
  std::getline(csv, line);
  size_t row = 0;
  while (std::getline(csv, line)) {
    std::vector<double> cells;
    std::stringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(std::stod(cell));
    ASSERT_EQ(cells.size(), 6u) << line;
    for (const auto& [tag, column] : std::vector<std::pair<std::string, size_t>>{
             {"lr", 2}, {"train/loss", 3}, {"val/loss", 4}, {"val/accuracy", 5}}) {
      ASSERT_GT(scalars[tag].size(), row) << tag;
      EXPECT_EQ(scalars[tag][row].first, static_cast<int64_t>(cells[1])) << tag;
      EXPECT_EQ(scalars[tag][row].second, static_cast<float>(cells[column])) << tag;
    }
    ++row;
  }
  EXPECT_EQ(row, 3u);
  EXPECT_EQ(scalars["train/samples_per_second"].size(), 3u);
}

// train.log_every_steps: train_step/ scalars every N steps. The loss is the
// mean of the steps' losses since the last line, as the example callback
// plugin records each step's; the lr is the one the next step used.
TEST(EventFile, StepScalarsEveryNStepsHoldTheStepsNumbers) {
  TempDir dir;
  const std::string yaml = write_tiny_experiment(dir, 100);  // 7 steps an epoch
  const auto run =
      run_attune({"train", yaml, "train.epochs=2", "train.log_every_steps=3", "train.callbacks=[{type: csv_log}]",
                  "--plugin", plugin_path("csv_log_callback"), "--run-dir", dir.file("run")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::map<std::string, std::map<int64_t, float>> scalars;
  for (const auto& event : read_events(only_event_file(dir.file("run")))) {
    for (const auto& value : event.summary().value()) {
      if (value.has_simple_value()) scalars[value.tag()][event.step()] = value.simple_value();
    }
  }
  std::map<int64_t, double> step_loss, step_examples, step_lr;
  for (const auto& row : read_csv_rows(dir.file("run/callback_log.csv"))) {
    if (row[0] != "step") continue;
    const int64_t step = std::stoll(row[2]);
    step_loss[step] = std::stod(row[6]);
    step_examples[step] = std::stod(row[4]);
    step_lr[step] = std::stod(row[5]);
  }
  ASSERT_EQ(step_loss.size(), 14u);
  std::vector<int64_t> logged;
  for (const auto& [step, loss] : scalars["train_step/loss"]) logged.push_back(step);
  EXPECT_EQ(logged, (std::vector<int64_t>{3, 6, 9, 12}));
  for (const int64_t step : logged) {
    double sum = 0, examples = 0;
    for (int64_t s = step - 2; s <= step; ++s) {
      sum += step_loss[s] * step_examples[s];
      examples += step_examples[s];
    }
    EXPECT_EQ(scalars["train_step/loss"][step], static_cast<float>(sum / examples)) << step;
    EXPECT_EQ(scalars["train_step/lr"][step], static_cast<float>(step_lr[step + 1])) << step;
    EXPECT_TRUE(std::isfinite(scalars["train_step/grad_norm"][step])) << step;
    EXPECT_GT(scalars["train_step/grad_norm"][step], 0.0F) << step;
    EXPECT_GT(scalars["train_step/samples_per_second"][step], 0.0F) << step;
  }
  // The evaluations' scalars are still there, once an epoch.
  EXPECT_EQ(scalars["train/loss"].size(), 2u);
  const auto off =
      run_attune({"train", yaml, "train.log_every_steps=3", "train.tensorboard=false", "--run-dir", dir.file("off")});
  EXPECT_EQ(off.exit_code, 2);
  EXPECT_NE(off.err.find("train.tensorboard is false"), std::string::npos) << off.err;
}

}  // namespace event_file_test
}  // namespace attune::testing
