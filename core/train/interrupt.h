#pragma once

namespace attune {

/// While alive, SIGINT and SIGTERM ask the training loop to stop after its
/// current step (it then writes a checkpoint and says how to resume) instead
/// of killing the process. A second SIGINT or SIGTERM restores the default
/// action and re-raises the signal: Ctrl-C twice still quits at once.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

/// The signal that asked to stop (SIGINT or SIGTERM), or 0.
int interrupt_requested();

}  // namespace attune
