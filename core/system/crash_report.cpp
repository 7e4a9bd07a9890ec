#include "core/system/crash_report.h"

#include <execinfo.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "core/system/signal_name.h"

namespace attune {
namespace {

const char* crash_program = "attune";
const char* (*crash_context)() = nullptr;

// write(2) for the handler, which may only use what is safe in a signal.
void say(const char* text) {
  size_t left = std::strlen(text);
  while (left > 0) {
    const ssize_t written = write(STDERR_FILENO, text, left);
    if (written <= 0) return;
    text += written;
    left -= static_cast<size_t>(written);
  }
}

void on_fatal_signal(int number) {
  char digits[8] = {};
  int at = 6;
  for (int n = number; n > 0 && at > 0; n /= 10) digits[at--] = static_cast<char>('0' + n % 10);
  say("\n");
  say(crash_program);
  say(" crashed: signal ");
  say(digits + at + 1);
  say(" (");
  say(signal_name(number));
  say(")\n");
  if (crash_context != nullptr) {
    const char* context = crash_context();
    if (context != nullptr && *context != '\0') {
      say(context);
      say("\n");
    }
  }
  void* frames[64];
  const int depth = backtrace(frames, 64);
  backtrace_symbols_fd(frames, depth, STDERR_FILENO);
  // SA_RESETHAND put the default action back: dying of the signal again.
  raise(number);
}

}  // namespace

void install_crash_report(const char* program, const char* (*context)()) {
#if defined(__SANITIZE_ADDRESS__)
  (void)program;
  (void)context;
#else
  crash_program = program;
  crash_context = context;
  // backtrace loads libgcc on its first call, which allocates: not in the handler.
  void* warm[1];
  backtrace(warm, 1);
  static std::vector<char> alternate_stack(static_cast<size_t>(SIGSTKSZ) * 4);
  stack_t stack{};
  stack.ss_sp = alternate_stack.data();
  stack.ss_size = alternate_stack.size();
  sigaltstack(&stack, nullptr);
  struct sigaction action {};
  action.sa_handler = on_fatal_signal;
  action.sa_flags = SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  for (const int number : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(number, &action, nullptr);
#endif
}

}  // namespace attune
