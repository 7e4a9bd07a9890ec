# attune_add_plugin(<name> <source>...)
#
# Builds lib<name>.so, a plugin that `attune` loads with `plugins: [lib<name>.so]`
# in an experiment YAML or `--plugin lib<name>.so`. The plugin links the attune
# library, so it registers into the same registries as the built-ins, and
# records the attune, LibTorch and C++ ABI it was compiled against, which the
# loader checks. Works inside attune's own build and, after
# find_package(attune), outside it.
function(attune_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE attune::attune)
  target_compile_features(${name} PRIVATE cxx_std_17)
  set_target_properties(${name} PROPERTIES PREFIX "lib" SUFFIX ".so")
endfunction()
