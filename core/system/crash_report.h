#pragma once
// A report on stderr when the process dies of a fault, so that a crash names
// where it happened (a test binary's crash, the test it was in).

namespace attune {

/// From now on, a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT)
/// first writes to stderr "`program` crashed: signal N (NAME)", then what
/// `context` returns (when given and not empty: say, the test running), then
/// the stack as glibc's backtrace_symbols_fd gives it, and then dies of the
/// same signal as it would have (the same exit status, and a core where
/// cores are on). The handler runs on its own stack, so a stack overflow is
/// reported too. Not installed under AddressSanitizer, whose report is better.
void install_crash_report(const char* program, const char* (*context)() = nullptr);

}  // namespace attune
