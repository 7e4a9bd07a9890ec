#pragma once

#include <string>
#include <string_view>

namespace attune {

/// Writes `content` to `path` so that a crash at any moment leaves either the
/// old file or the new one, never a mix: write a temporary file beside it,
/// fsync it, rename it over `path`, fsync the folder.
void write_file_atomically(const std::string& path, std::string_view content);

/// The whole file, or an InputError naming it.
std::string read_text_file(const std::string& path);

}  // namespace attune
