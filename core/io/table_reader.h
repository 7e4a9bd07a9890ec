#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attune {

/// A table file's format, as a dataset's `format:` option names it: `auto`
/// (by extension), `tsv` or `csv`.
enum class TableFormat { automatic, tsv, csv };
/// Its YAML names, found by the config codec (core/config's
/// config::EnumNames<TableFormat>, spelled out here: core/io is below core/config).
inline const std::vector<std::pair<TableFormat, std::string>>& enum_names(TableFormat) {
  static const std::vector<std::pair<TableFormat, std::string>> names = {
      {TableFormat::automatic, "auto"}, {TableFormat::tsv, "tsv"}, {TableFormat::csv, "csv"}};
  return names;
}

/// A delimited text table (TSV or CSV, optionally gzip-compressed), usually
/// with a header row, read whole into memory.
class Table {
 public:
  /// `format` is `tsv`, `csv` or `auto` (by extension: .tsv/.tsv.gz are TSV,
  /// .csv/.csv.gz are CSV). TSV fields are taken as they are; CSV follows
  /// RFC 4180 quoting. Throws InputError naming file and line on a ragged row,
  /// an unterminated quote or an unreadable file. Without a header
  /// (`has_header` false) every row must have as many fields as the first, and
  /// columns are addressed by index.
  static Table read(const std::string& path, TableFormat format = TableFormat::automatic, bool has_header = true);

  /// The index of column `name`; an InputError listing the columns (and the
  /// closest one) when there is none. `role` names the option ("text_column").
  /// In a table without a header, `name` is a 0-based column index.
  size_t column(const std::string& name, const std::string& role) const;

  size_t rows() const { return rows_.size(); }
  /// Fields per row (every row has the same number).
  size_t columns() const { return columns_; }
  const std::string& cell(size_t row, size_t column) const { return rows_[row][column]; }
  /// The 1-based line of a row in the file, for messages.
  size_t line(size_t row) const { return lines_[row]; }
  const std::string& path() const { return path_; }
  /// The header row; empty for a table read without one.
  const std::vector<std::string>& header() const { return header_; }

 private:
  std::string path_;
  size_t columns_ = 0;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<size_t> lines_;
};

/// The whole content of a file, transparently gunzipped.
std::string read_file_maybe_gzip(const std::string& path);

}  // namespace attune
