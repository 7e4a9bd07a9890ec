#include "schedulers/per_group.h"

#include "core/error.h"

namespace attune {

double PerGroup::at(size_t group, size_t groups, const char* key) const {
  if (values.size() == 1) return values.front();
  if (values.size() != groups) {
    input_error("scheduler.{}: expected one value or {} (one per param group), got {}", key, groups, values.size());
  }
  return values[group];
}

}  // namespace attune
