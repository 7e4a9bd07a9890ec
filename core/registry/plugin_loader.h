#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace attune {

/// Loads a plugin shared library and registers what it provides. `where`
/// says where the path was given ("exp.yaml:4:5", "--plugin") for messages.
/// Throws InputError when the file is missing, is not a loadable library, is
/// not an attune plugin, was built against another plugin API version, or
/// registers a name already taken. Loading the same file twice is a no-op.
/// Handles are kept for the life of the process.
void load_plugin(const std::filesystem::path& path, const std::string& where);

/// The plugins loaded so far, in order.
const std::vector<std::string>& loaded_plugins();

}  // namespace attune
