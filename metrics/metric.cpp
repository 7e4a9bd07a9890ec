#include "metrics/metric.h"

ATTUNE_DEFINE_REGISTRY(attune::MetricKind)
