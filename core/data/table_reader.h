#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace attune {

/// A delimited text table (TSV or CSV, optionally gzip-compressed) with a
/// header row, read whole into memory.
class Table {
 public:
  /// `format` is "tsv", "csv" or "auto" (by extension: .tsv/.tsv.gz are TSV,
  /// .csv/.csv.gz are CSV). TSV fields are taken as they are; CSV follows
  /// RFC 4180 quoting. Throws InputError naming file and line on a ragged row,
  /// an unterminated quote or an unreadable file.
  static Table read(const std::string& path, const std::string& format = "auto");

  /// The index of column `name`; an InputError listing the columns (and the
  /// closest one) when there is none. `role` names the option ("text_column").
  size_t column(const std::string& name, const std::string& role) const;

  size_t rows() const { return rows_.size(); }
  const std::string& cell(size_t row, size_t column) const { return rows_[row][column]; }
  /// The 1-based line of a row in the file, for messages.
  size_t line(size_t row) const { return lines_[row]; }
  const std::string& path() const { return path_; }
  const std::vector<std::string>& header() const { return header_; }

 private:
  std::string path_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<size_t> lines_;
};

/// The whole content of a file, transparently gunzipped.
std::string read_file_maybe_gzip(const std::string& path);

}  // namespace attune
