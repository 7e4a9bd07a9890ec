#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace attune {

/// Exit codes of the `attune` command: 0 success, 1 failure, 2 bad input.
constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;

/// An error the user can act on. Library code throws it; only `main` turns it
/// into a message and an exit code.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = kExitFailure)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

/// Bad user input: a config, data file, vocabulary, checkpoint or plugin that
/// cannot be used as given. Exit code 2.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message, kExitBadInput) {}
};

/// Throws an InputError with a fmt-formatted message.
template <typename... Args>
[[noreturn]] void input_error(fmt::format_string<Args...> format, Args&&... args) {
  throw InputError(fmt::format(format, std::forward<Args>(args)...));
}

/// Throws an Error (exit code 1) with a fmt-formatted message.
template <typename... Args>
[[noreturn]] void runtime_error(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace attune
