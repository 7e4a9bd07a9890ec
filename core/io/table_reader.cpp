#include "core/io/table_reader.h"

#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/error.h"
#include "core/text/suggest.h"
#include "core/text/text_fields.h"

namespace attune {
namespace {

// Splits one TSV line; fields are taken verbatim.
std::vector<std::string> split_tsv(std::string_view line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    fields.emplace_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  return fields;
}

}  // namespace

std::string read_file_maybe_gzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) input_error("{}: cannot open: {}", path, std::strerror(errno));
  std::string content;
  char buffer[1 << 16];
  while (true) {
    const int n = gzread(file, buffer, sizeof(buffer));
    if (n < 0) {
      int code = 0;
      const std::string message = gzerror(file, &code);
      gzclose(file);
      input_error("{}: cannot read: {}", path, message);
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  // A truncated or damaged gzip stream ends reads early without an error from gzread.
  int code = Z_OK;
  const std::string message = gzerror(file, &code);
  gzclose(file);
  if (code != Z_OK) input_error("{}: not a valid gzip file: {}", path, message);
  return content;
}

namespace {

/// Where a reader is in a file's text, and on which line (from 1).
struct Cursor {
  const std::string& text;
  size_t pos = 0;
  size_t line = 1;
};

/// The fields of the TSV row at the cursor; none for a blank line.
std::vector<std::string> next_tsv_row(Cursor& at) {
  size_t end = at.text.find('\n', at.pos);
  if (end == std::string::npos) end = at.text.size();
  std::string_view line(at.text.data() + at.pos, end - at.pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  at.pos = end + 1;
  ++at.line;
  return line.empty() ? std::vector<std::string>{} : split_tsv(line);
}

/// The fields of the CSV row at the cursor (RFC 4180: quoted fields may hold
/// delimiters, newlines and "" quotes); none for a blank line.
std::vector<std::string> next_csv_row(Cursor& at, const std::string& path) {
  const std::string& text = at.text;
  const size_t row_line = at.line;
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false, any = false;
  while (at.pos < text.size()) {
    const char c = text[at.pos];
    if (quoted) {
      if (c == '"' && at.pos + 1 < text.size() && text[at.pos + 1] == '"') {
        field += '"';
        at.pos += 2;
        continue;
      }
      if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++at.line;
        field += c;
      }
      ++at.pos;
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = any = true;
      ++at.pos;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      any = true;
      ++at.pos;
    } else if (c == '\n' || c == '\r') {
      at.pos += (c == '\r' && at.pos + 1 < text.size() && text[at.pos + 1] == '\n') ? 2 : 1;
      ++at.line;
      break;
    } else {
      field += c;
      any = true;
      ++at.pos;
    }
  }
  if (quoted) input_error("{}:{}: unterminated quoted field", path, row_line);
  if (!any && field.empty()) return {};
  fields.push_back(std::move(field));
  return fields;
}

bool reads_as_csv(const std::string& path, TableFormat format) {
  switch (format) {
    case TableFormat::automatic:
      return ends_with(path, ".csv") || ends_with(path, ".csv.gz");
    case TableFormat::tsv:
      return false;
    case TableFormat::csv:
      return true;
  }
  return false;
}

}  // namespace

Table Table::read(const std::string& path, TableFormat format, bool has_header) {
  Table table;
  table.path_ = path;
  const bool csv = reads_as_csv(path, format);
  const std::string content = read_file_maybe_gzip(path);
  Cursor at{content};
  bool first = true;
  while (at.pos < content.size()) {
    const size_t row_line = at.line;
    std::vector<std::string> fields = csv ? next_csv_row(at, path) : next_tsv_row(at);
    if (fields.empty()) continue;  // a blank line
    if (first) {
      first = false;
      table.columns_ = fields.size();
      if (has_header) {
        table.header_ = std::move(fields);
        continue;
      }
    }
    if (fields.size() != table.columns_) {
      input_error("{}:{}: expected {} field{} as in the {}, got {}{}", path, row_line, table.columns_,
                  table.columns_ == 1 ? "" : "s", has_header ? "header" : "first row", fields.size(),
                  csv ? "" : " (fields are separated by TAB characters)");
    }
    table.rows_.push_back(std::move(fields));
    table.lines_.push_back(row_line);
  }
  if (first) input_error("{}: empty file: expected {}data rows", path, has_header ? "a header row and " : "");
  if (table.rows_.empty()) input_error("{}: no data rows after the header", path);
  return table;
}

size_t Table::column(const std::string& name, const std::string& role) const {
  if (header_.empty()) {
    size_t index = 0;
    const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), index);
    if (error != std::errc() || end != name.data() + name.size() || name.empty() || index >= columns_) {
      input_error("{}: {} `{}` must be a column index from 0 to {}: the file has no header row", path_, role, name,
                  columns_ - 1);
    }
    return index;
  }
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return i;
  }
  input_error("{}:1: no column `{}` for {}{}; the header has {}", path_, name, role, did_you_mean(name, header_),
              quoted_list(header_));
}

}  // namespace attune
