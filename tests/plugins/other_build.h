// Forced into test_other_build_plugin before anything else: the version
// macros an older attune release and an older LibTorch would have set.
#pragma once
#include "core/version.h"
#undef ATTUNE_VERSION
#define ATTUNE_VERSION "0.0.1"
#define ATTUNE_BUILT_TORCH_VERSION "0.4.1"
