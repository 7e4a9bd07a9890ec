#pragma once

/// attune's version: CMake's project version is read from here, and plugins
/// record the one they were compiled against (core/registry/registry.h).
#define ATTUNE_VERSION "0.2.0"
