#include "core/tensorboard/event_writer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/tensorboard/crc32c.h"
#include "core/tensorboard/event.pb.h"

namespace attune::tensorboard {
namespace {

double wall_time() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Event event_at(int64_t step) {
  Event event;
  event.set_wall_time(wall_time());
  event.set_step(step);
  return event;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

}  // namespace

EventWriter::EventWriter(const std::string& folder) {
  path_ = fmt::format("{}/events.out.tfevents.{}.{}.{}", folder, static_cast<int64_t>(wall_time()), host_name(),
                      static_cast<int64_t>(getpid()));
  file_ = std::fopen(path_.c_str(), "ab");
  if (file_ == nullptr) runtime_error("cannot write the TensorBoard event file {}: {}", path_, std::strerror(errno));
  Event first = event_at(0);
  first.set_file_version("brain.Event:2");
  write_record(first.SerializeAsString());
  flush();
}

EventWriter::~EventWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void EventWriter::write_record(const std::string& payload) {
  // TFRecord: length, masked CRC of the length, payload, masked CRC of the payload (all little-endian).
  const uint64_t length = payload.size();
  unsigned char header[12];
  for (int i = 0; i < 8; ++i) header[i] = static_cast<unsigned char>(length >> (8 * i));
  const uint32_t length_crc = masked_crc32c(header, 8);
  const uint32_t payload_crc = masked_crc32c(payload.data(), payload.size());
  for (int i = 0; i < 4; ++i) header[8 + i] = static_cast<unsigned char>(length_crc >> (8 * i));
  unsigned char footer[4];
  for (int i = 0; i < 4; ++i) footer[i] = static_cast<unsigned char>(payload_crc >> (8 * i));
  if (std::fwrite(header, 1, sizeof(header), file_) != sizeof(header) ||
      std::fwrite(payload.data(), 1, payload.size(), file_) != payload.size() ||
      std::fwrite(footer, 1, sizeof(footer), file_) != sizeof(footer)) {
    runtime_error("writing the TensorBoard event file {} failed: {}", path_, std::strerror(errno));
  }
}

void EventWriter::scalar(const std::string& tag, double value, int64_t step) {
  Event event = event_at(step);
  auto* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  v->set_simple_value(static_cast<float>(value));
  write_record(event.SerializeAsString());
}

void EventWriter::text(const std::string& tag, const std::string& markdown, int64_t step) {
  Event event = event_at(step);
  auto* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  v->mutable_metadata()->mutable_plugin_data()->set_plugin_name("text");
  auto* tensor = v->mutable_tensor();
  tensor->set_dtype(7);  // DT_STRING
  tensor->mutable_tensor_shape()->add_dim()->set_size(1);
  tensor->add_string_val(markdown);
  write_record(event.SerializeAsString());
}

void EventWriter::histogram(const std::string& tag, const std::vector<float>& values, int64_t step, int buckets) {
  if (values.empty()) return;
  Event event = event_at(step);
  auto* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  auto* h = v->mutable_histo();
  double low = values[0], high = values[0], sum = 0, squares = 0;
  for (float x : values) {
    low = std::min<double>(low, x);
    high = std::max<double>(high, x);
    sum += x;
    squares += static_cast<double>(x) * x;
  }
  h->set_min(low);
  h->set_max(high);
  h->set_num(static_cast<double>(values.size()));
  h->set_sum(sum);
  h->set_sum_squares(squares);
  // TensorBoard reads bucket i as (bucket_limit[i-1], bucket_limit[i]].
  const double width = high > low ? (high - low) / buckets : 1.0;
  std::vector<double> counts(static_cast<size_t>(buckets), 0.0);
  for (float x : values) {
    const auto i = std::clamp<int64_t>(static_cast<int64_t>(std::ceil((x - low) / width)) - 1, 0, buckets - 1);
    counts[static_cast<size_t>(i)] += 1;
  }
  for (int i = 0; i < buckets; ++i) {
    h->add_bucket_limit(low + width * (i + 1));
    h->add_bucket(counts[static_cast<size_t>(i)]);
  }
  write_record(event.SerializeAsString());
}

void EventWriter::flush() {
  std::fflush(file_);
}

}  // namespace attune::tensorboard
