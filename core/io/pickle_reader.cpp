#include "core/io/pickle_reader.h"

#include <cstring>

#include "core/error.h"

namespace attune::pickle {
namespace {

using Kind = Value::Kind;

// A state dict nests a handful of levels (dict -> tensor arguments -> size tuple); the cap keeps a hostile file
// from building a structure whose recursive destruction would overflow the stack.
constexpr size_t kMaxDepth = 64;

// The opcodes a state dict uses (protocol 2), plus the protocol 4 ones a different `pickle_protocol` would add.
// clang-format off
enum Opcode : uint8_t {
  kProto = 0x80, kFrame = 0x95, kStop = '.', kMark = '(', kPop = '0', kPopMark = '1', kEmptyTuple = ')',
  kEmptyList = ']', kEmptyDict = '}', kNone = 'N', kNewTrue = 0x88, kNewFalse = 0x89, kBinInt = 'J', kBinInt1 = 'K',
  kBinInt2 = 'M', kLong1 = 0x8a, kLong4 = 0x8b, kBinFloat = 'G', kBinUnicode = 'X', kShortBinUnicode = 0x8c,
  kBinUnicode8 = 0x8d, kTuple = 't', kTuple1 = 0x85, kTuple2 = 0x86, kTuple3 = 0x87, kBinPut = 'q',
  kLongBinPut = 'r', kMemoize = 0x94, kBinGet = 'h', kLongBinGet = 'j', kGlobal = 'c', kStackGlobal = 0x93,
  kReduce = 'R', kBuild = 'b', kBinPersId = 'Q', kSetItem = 's', kSetItems = 'u', kAppend = 'a', kAppends = 'e',
};
// clang-format on

bool is_container(const Value& value) {
  return value.kind == Kind::Tuple || value.kind == Kind::List || value.kind == Kind::Dict;
}

class Unpickler {
 public:
  Unpickler(std::string_view data, const Hooks& hooks, const std::string& context)
      : data_(data), hooks_(hooks), context_(context) {}

  ValuePtr run() {
    while (true) {
      op_pos_ = pos_;
      const uint8_t op = *take(1);
      if (op == kStop) {
        if (stack_.empty()) fail("STOP with an empty stack");
        return stack_.back();
      }
      step(op);
    }
  }

 private:
  template <typename... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
    input_error("{}: {} (pickle byte {})", context_, fmt::format(format, std::forward<Args>(args)...), op_pos_);
  }

  const uint8_t* take(size_t n) {
    if (n > data_.size() - pos_) fail("truncated pickle: needs {} more bytes, {} left", n, data_.size() - pos_);
    const auto* bytes = reinterpret_cast<const uint8_t*>(data_.data() + pos_);
    pos_ += n;
    return bytes;
  }
  uint64_t read_le(size_t n) {
    const uint8_t* bytes = take(n);
    uint64_t result = 0;
    for (size_t i = n; i-- > 0;) result = (result << 8) | bytes[i];
    return result;
  }
  std::string_view read_bytes(uint64_t n) {
    if (n > data_.size() - pos_) fail("truncated pickle: string of {} bytes, {} left", n, data_.size() - pos_);
    return {reinterpret_cast<const char*>(take(static_cast<size_t>(n))), static_cast<size_t>(n)};
  }
  std::string_view read_line() {
    const size_t end = data_.find('\n', pos_);
    if (end == std::string_view::npos) fail("truncated pickle: GLOBAL name without a newline");
    const std::string_view line = data_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return line;
  }

  size_t fence() const { return marks_.empty() ? 0 : marks_.back(); }
  ValuePtr pop() {
    if (stack_.size() <= fence()) fail("stack underflow");
    ValuePtr value = std::move(stack_.back());
    stack_.pop_back();
    return value;
  }
  const ValuePtr& top() {
    if (stack_.size() <= fence()) fail("stack underflow");
    return stack_.back();
  }
  std::vector<ValuePtr> pop_mark() {
    if (marks_.empty()) fail("no MARK to pop to");
    std::vector<ValuePtr> items(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back()), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }

  ValuePtr make_int(int64_t number) {
    ValuePtr value = Value::make(Kind::Int);
    value->integer = number;
    return value;
  }
  ValuePtr make_string(std::string_view text) {
    ValuePtr value = Value::make(Kind::String);
    value->text = std::string(text);
    return value;
  }
  ValuePtr make_tuple(std::vector<ValuePtr> items) {
    ValuePtr tuple = Value::make(Kind::Tuple);
    for (const ValuePtr& item : items) adopt(*tuple, item);
    tuple->items = std::move(items);
    return tuple;
  }

  // Records that `child` now lives inside `container`: it becomes immutable, and the depth is tracked.
  void adopt(Value& container, const ValuePtr& child) {
    if (!is_container(*child)) return;
    if (child.get() == &container) fail("a {} that contains itself", kind_name(container.kind));
    child->contained = true;
    container.depth = std::max(container.depth, child->depth + 1);
    if (container.depth > kMaxDepth) fail("objects nested more than {} levels deep", kMaxDepth);
  }
  // Mutating a container that is already inside another could form a cycle or invalidate `depth`; torch.save never
  // does it (it fills each dict right after creating it).
  Value& mutable_target(const ValuePtr& target, Kind kind, const char* op) {
    if (target->kind != kind) fail("{} on a {}, expected a {}", op, kind_name(target->kind), kind_name(kind));
    if (target->contained) fail("{} on a {} that is already nested in another object", op, kind_name(kind));
    return *target;
  }

  void set_item(const ValuePtr& dict_value, const ValuePtr& key, const ValuePtr& value, const char* op) {
    Value& dict = mutable_target(dict_value, Kind::Dict, op);
    std::string hashed;
    switch (key->kind) {
      case Kind::String:
        hashed = "s" + key->text;
        break;
      case Kind::Int:
      case Kind::Bool:
        hashed = "i" + std::to_string(key->integer);
        break;  // Python: True == 1
      case Kind::None:
        hashed = "n";
        break;
      default:
        fail("{}: unsupported dict key of type {}", op, kind_name(key->kind));
    }
    adopt(dict, key);
    adopt(dict, value);
    const auto [it, inserted] = dict.entry_index.emplace(hashed, dict.entries.size());
    if (inserted) {
      dict.entries.emplace_back(key, value);
    } else {
      dict.entries[it->second].second = value;  // Python keeps the first position and the last value
    }
  }
  void append(const ValuePtr& list_value, const ValuePtr& item, const char* op) {
    Value& list = mutable_target(list_value, Kind::List, op);
    adopt(list, item);
    list.items.push_back(item);
  }

  void memo_put(uint64_t index) { memo_[index] = top(); }
  void memo_get(uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry {} was never stored", index);
    stack_.push_back(it->second);
  }

  int64_t read_long(uint64_t size) {
    if (size > 8) fail("integer of {} bytes is too large", size);
    if (size == 0) return 0;
    const uint64_t raw = read_le(static_cast<size_t>(size));
    const unsigned shift = static_cast<unsigned>(64 - 8 * size);
    return static_cast<int64_t>(raw << shift) >> shift;  // sign-extend the two's complement value
  }

  ValuePtr resolve_global(const std::string& module, const std::string& name) {
    ValuePtr value = hooks_.global(module, name);
    if (!value) fail("global `{}.{}` resolved to nothing", module, name);
    return value;
  }

  void push(ValuePtr value) { stack_.push_back(std::move(value)); }

  void step(uint8_t op) {
    switch (op) {
      case kProto:
        if (const uint8_t protocol = *take(1); protocol < 2 || protocol > 5) fail("unsupported protocol {}", protocol);
        return;
      case kFrame:
        return static_cast<void>(read_le(8));  // only a read-ahead hint
      case kMark:
        return marks_.push_back(stack_.size());
      case kPop:
        return static_cast<void>(pop());
      case kPopMark:
        return static_cast<void>(pop_mark());
      case kEmptyTuple:
        return push(make_tuple({}));
      case kEmptyList:
        return push(Value::make(Kind::List));
      case kEmptyDict:
        return push(Value::make(Kind::Dict));
      case kNone:
        return push(Value::make(Kind::None));
      case kNewTrue:
      case kNewFalse: {
        ValuePtr value = Value::make(Kind::Bool);
        value->integer = op == kNewTrue;
        return push(value);
      }
      case kBinInt:
        return push(make_int(static_cast<int32_t>(read_le(4))));
      case kBinInt1:
        return push(make_int(static_cast<int64_t>(read_le(1))));
      case kBinInt2:
        return push(make_int(static_cast<int64_t>(read_le(2))));
      case kLong1:
        return push(make_int(read_long(read_le(1))));
      case kLong4:
        return push(make_int(read_long(read_le(4))));
      case kBinFloat: {  // big-endian, unlike every other number in a pickle
        const uint64_t bits = __builtin_bswap64(read_le(8));
        ValuePtr value = Value::make(Kind::Float);
        std::memcpy(&value->real, &bits, sizeof bits);
        return push(value);
      }
      case kBinUnicode:
        return push(make_string(read_bytes(read_le(4))));
      case kShortBinUnicode:
        return push(make_string(read_bytes(read_le(1))));
      case kBinUnicode8:
        return push(make_string(read_bytes(read_le(8))));
      case kTuple:
        return push(make_tuple(pop_mark()));
      case kTuple1:
      case kTuple2:
      case kTuple3: {
        std::vector<ValuePtr> items(static_cast<size_t>(op - kTuple1 + 1));
        for (size_t i = items.size(); i-- > 0;) items[i] = pop();
        return push(make_tuple(std::move(items)));
      }
      case kBinPut:
        return memo_put(read_le(1));
      case kLongBinPut:
        return memo_put(read_le(4));
      case kMemoize:
        return memo_put(memo_.size());
      case kBinGet:
        return memo_get(read_le(1));
      case kLongBinGet:
        return memo_get(read_le(4));
      case kGlobal: {
        const std::string module(read_line());
        return push(resolve_global(module, std::string(read_line())));
      }
      case kStackGlobal: {
        const ValuePtr name = pop(), module = pop();
        if (module->kind != Kind::String || name->kind != Kind::String) fail("STACK_GLOBAL needs two strings");
        return push(resolve_global(module->text, name->text));
      }
      case kReduce: {
        const ValuePtr args = pop(), callable = pop();
        if (args->kind != Kind::Tuple) fail("REDUCE arguments are a {}, not a tuple", kind_name(args->kind));
        if (callable->kind != Kind::Global) fail("REDUCE calls a {}, not a global", kind_name(callable->kind));
        return push(hooks_.reduce(callable, args));
      }
      case kBuild: {
        const ValuePtr state = pop();
        return hooks_.build(top(), state);
      }
      case kBinPersId:
        return push(hooks_.persistent_load(pop()));
      case kSetItem: {
        const ValuePtr value = pop(), key = pop();
        return set_item(top(), key, value, "SETITEM");
      }
      case kSetItems: {
        const std::vector<ValuePtr> items = pop_mark();
        if (items.size() % 2 != 0) fail("SETITEMS with an odd number of items");
        for (size_t i = 0; i < items.size(); i += 2) set_item(top(), items[i], items[i + 1], "SETITEMS");
        return;
      }
      case kAppend: {
        const ValuePtr item = pop();
        return append(top(), item, "APPEND");
      }
      case kAppends:
        for (const ValuePtr& item : pop_mark()) append(top(), item, "APPENDS");
        return;
      default:
        fail("unsupported pickle opcode 0x{:02x}{}", op,
             op >= 0x20 && op < 0x7f ? fmt::format(" ('{}')", static_cast<char>(op)) : std::string());
    }
  }

  std::string_view data_;
  const Hooks& hooks_;
  const std::string& context_;
  size_t pos_ = 0;
  size_t op_pos_ = 0;
  std::vector<ValuePtr> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, ValuePtr> memo_;
};

}  // namespace

const char* kind_name(Value::Kind kind) {
  switch (kind) {
    case Kind::None:
      return "None";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::Float:
      return "float";
    case Kind::String:
      return "str";
    case Kind::Tuple:
      return "tuple";
    case Kind::List:
      return "list";
    case Kind::Dict:
      return "dict";
    case Kind::Global:
      return "global";
    case Kind::Storage:
      return "storage";
    case Kind::Tensor:
      return "tensor";
  }
  return "object";
}

std::string printable(std::string_view text) {
  std::string result;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    result += byte < 0x20 || byte == 0x7f ? fmt::format("\\x{:02x}", byte) : std::string(1, c);
  }
  return result;
}

ValuePtr unpickle(std::string_view data, const Hooks& hooks, const std::string& context) {
  return Unpickler(data, hooks, context).run();
}

}  // namespace attune::pickle
