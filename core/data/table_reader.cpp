#include "core/data/table_reader.h"

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

Table Table::read(const std::string& path, const std::string& format, bool has_header) {
  Table table;
  table.path_ = path;
  std::string kind = format;
  if (kind == "auto") {
    kind = ends_with(path, ".csv") || ends_with(path, ".csv.gz") ? "csv" : "tsv";
  }
  const std::string content = read_file_maybe_gzip(path);
  const bool csv = kind == "csv";
  const char delimiter = csv ? ',' : '\t';

  size_t line_number = 1;
  size_t pos = 0;
  bool first = true;
  while (pos < content.size()) {
    const size_t row_line = line_number;
    std::vector<std::string> fields;
    if (!csv) {
      size_t end = content.find('\n', pos);
      if (end == std::string::npos) end = content.size();
      std::string_view line(content.data() + pos, end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      pos = end + 1;
      ++line_number;
      if (line.empty()) continue;
      fields = split_tsv(line);
    } else {
      // RFC 4180: quoted fields may hold delimiters, newlines and "" quotes.
      std::string field;
      bool quoted = false, any = false;
      while (pos < content.size()) {
        const char c = content[pos];
        if (quoted) {
          if (c == '"' && pos + 1 < content.size() && content[pos + 1] == '"') {
            field += '"';
            pos += 2;
            continue;
          }
          if (c == '"') {
            quoted = false;
          } else {
            if (c == '\n') ++line_number;
            field += c;
          }
          ++pos;
          continue;
        }
        if (c == '"' && field.empty()) {
          quoted = any = true;
          ++pos;
        } else if (c == delimiter) {
          fields.push_back(std::move(field));
          field.clear();
          any = true;
          ++pos;
        } else if (c == '\n' || c == '\r') {
          pos += (c == '\r' && pos + 1 < content.size() && content[pos + 1] == '\n') ? 2 : 1;
          ++line_number;
          break;
        } else {
          field += c;
          any = true;
          ++pos;
        }
      }
      if (quoted) input_error("{}:{}: unterminated quoted field", path, row_line);
      if (!any && field.empty()) continue;  // blank line
      fields.push_back(std::move(field));
    }
    if (first) {
      first = false;
      table.columns_ = fields.size();
      if (has_header) {
        table.header_ = std::move(fields);
        continue;
      }
    }
    if (fields.size() != table.columns_) {
      input_error("{}:{}: expected {} fields as in the {}, got {}{}", path, row_line, table.columns_,
                  has_header ? "header" : "first row", fields.size(),
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
