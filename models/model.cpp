#include "models/model.h"

ATTUNE_DEFINE_REGISTRY(attune::ModelKind)
