# attune_add_plugin(<name> <source>...)
#
# Builds a shared library that `attune` loads with `plugins: [lib<name>.so]` in
# an experiment YAML or `--plugin lib<name>.so`. The plugin links the attune
# core library, so it registers into the same registries as the built-ins.
function(attune_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE attune_core)
  set_target_properties(${name} PROPERTIES PREFIX "lib" SUFFIX ".so")
endfunction()
