#include "core/train/interrupt.h"

#include <csignal>
#include <cstring>

namespace attune {
namespace {

volatile std::sig_atomic_t g_requested = 0;
struct sigaction g_previous_int, g_previous_term;

extern "C" void on_interrupt(int signal) {
  if (g_requested != 0) {
    // Asked twice: quit now, as the signal's default action does.
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  g_requested = signal;
}

}  // namespace

InterruptGuard::InterruptGuard() {
  g_requested = 0;
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = on_interrupt;
  action.sa_flags = SA_RESTART;  // file and socket calls carry on; the loop checks the flag
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

int interrupt_requested() {
  return g_requested;
}

}  // namespace attune
