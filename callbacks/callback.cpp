#include "callbacks/callback.h"

ATTUNE_DEFINE_REGISTRY(attune::CallbackKind)
