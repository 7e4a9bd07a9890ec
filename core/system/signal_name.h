#pragma once

namespace attune {

/// The name of a signal attune handles ("SIGINT", "SIGSEGV", ...), or "a
/// signal" for any other. Safe in a signal handler (a constant string).
const char* signal_name(int signal);

}  // namespace attune
