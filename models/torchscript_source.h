#pragma once

#include <string>
#include <vector>

namespace attune {

/// Pieces for writing a model's forward pass as TorchScript source
/// (Model::torchscript, `attune export --to torchscript`). The exporter
/// registers every parameter and buffer on the script module under its name
/// with dots as underscores; the source reads them as `self.<that>`.
namespace script {

/// `encoder_layers_0_attn_in_proj_weight` for "encoder.layers.0.attn.in_proj.weight":
/// the name the exporter registers a parameter or buffer under.
std::string attribute_name(const std::string& parameter_name);
/// `self.` and its attribute_name: how the source reads it.
std::string attribute(const std::string& parameter_name);
/// The attributes of `prefix` + each of `names`, comma-separated (a method's tensor arguments).
std::string attributes(const std::string& prefix, const std::vector<std::string>& names);
/// A float literal that reads back as the same double.
std::string number(double value);

/// A method: `def NAME(self, ARGS) -> Tensor:` and its body, one statement a
/// line (indented here).
std::string method(const std::string& signature, const std::vector<std::string>& body);

}  // namespace script
}  // namespace attune
