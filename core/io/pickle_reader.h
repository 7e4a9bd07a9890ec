#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace attune::pickle {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

/// A Python object, as far as the pickles that torch.save writes for state dicts need one. Values are shared: the
/// pickle memo hands out the same object again (tied weights are one tensor under two keys).
struct Value {
  enum class Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Storage, Tensor };

  Kind kind = Kind::None;
  int64_t integer = 0;                                  ///< Int and Bool
  double real = 0;                                      ///< Float
  std::string text;                                     ///< String; Global: "module.name"
  std::vector<ValuePtr> items;                          ///< Tuple, List
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;   ///< Dict, in insertion order
  std::unordered_map<std::string, size_t> entry_index;  ///< Dict: hashed key -> position in `entries`
  torch::Tensor tensor;                                 ///< Storage (1-D, its whole data) and Tensor
  size_t depth = 0;        ///< how many containers deep the structure below this value goes
  bool contained = false;  ///< inside another container; from then on it may not change (this rules out cycles)

  static ValuePtr make(Kind kind) {
    auto value = std::make_shared<Value>();
    value->kind = kind;
    return value;
  }
};

/// The Python name of a kind, for messages ("str", "tuple", "dict", ...).
const char* kind_name(Value::Kind kind);

/// `text` for an error message: control bytes (a corrupt name may hold newlines or NULs) shown as \xNN.
std::string printable(std::string_view text);

/// What the interpreter does not decide itself. Each hook either returns a value or throws an InputError.
struct Hooks {
  /// GLOBAL / STACK_GLOBAL: resolves `module.name` (normally to a Kind::Global value), or rejects it.
  std::function<ValuePtr(const std::string& module, const std::string& name)> global;
  /// REDUCE: calls `callable` (the result of `global`) with the tuple `args`.
  std::function<ValuePtr(const ValuePtr& callable, const ValuePtr& args)> reduce;
  /// BUILD: applies `state` to `object` (which stays on the stack).
  std::function<void(const ValuePtr& object, const ValuePtr& state)> build;
  /// BINPERSID: loads the object a persistent id refers to.
  std::function<ValuePtr(const ValuePtr& pid)> persistent_load;
};

/// Runs the pickle program `data` (protocols 2 to 5, the opcodes a pickled state dict uses) and returns the object
/// at STOP. Anything else (an unknown opcode, a truncated stream, a malformed stack) throws an InputError whose
/// message starts with `context` (e.g. "model.bin: data.pkl").
ValuePtr unpickle(std::string_view data, const Hooks& hooks, const std::string& context);

}  // namespace attune::pickle
