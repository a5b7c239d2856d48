// A structure-aware fuzzer of parse_json's depth guard (issue 16, S1): the input chooses a
// nesting depth (up to 200,000, far past what once overflowed the stack) and, level by level,
// whether each is an array or an object, and puts the rest of the input inside as the innermost
// text. Whatever the result: parse_json must not crash; a value it returns must be no deeper than
// the limit, survive a copy and a dump, and parse back to itself; and json_depth must agree with
// the depth nlohmann finds in it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/json_text.h"

namespace {

size_t depth_of(const nlohmann::json& j) {
  if (!j.is_structured() || j.empty()) return j.is_structured() ? 1 : 0;
  size_t deepest = 0;
  for (const auto& item : j) deepest = std::max(deepest, depth_of(item));
  return deepest + 1;
}

std::string nest(std::string_view shape, size_t depth, std::string_view inner) {
  std::string open, close;
  open.reserve(depth * 6);
  for (size_t level = 0; level < depth; ++level) {
    const bool object = !shape.empty() && (shape[level % shape.size()] >> (level / shape.size() % 8)) & 1;
    open += object ? "{\"k\":" : "[";
    close += object ? '}' : ']';
  }
  return open + std::string(inner) + std::string(close.rbegin(), close.rend());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const size_t depth = (static_cast<size_t>(data[0]) << 16 | data[1] << 8 | data[2]) % 200'001;
  const size_t shape_len = data[3] % 8;
  if (size < 4 + shape_len) return 0;
  const std::string_view shape(reinterpret_cast<const char*>(data + 4), shape_len);
  const std::string_view inner(reinterpret_cast<const char*>(data + 4 + shape_len), size - 4 - shape_len);
  const std::string text = nest(shape, depth, inner.empty() ? std::string_view("1") : inner);

  const nlohmann::json value = vs::parse_json(text);
  if (value.is_discarded()) return 0;
  const size_t found = depth_of(value);  // recursion is safe here: the guard let it through
  if (found > vs::kMaxJsonDepth) std::abort();
  if (vs::json_depth(text, vs::kMaxJsonDepth) < found) std::abort();
  const nlohmann::json copy = value;
  if (vs::parse_json(vs::dump_json(copy)) != value && !value.dump().empty()) {
    // Only invalid UTF-8 (replaced on dump) may change a value on the way round.
    if (vs::dump_json(value) == value.dump(-1, ' ', false, nlohmann::json::error_handler_t::ignore)) std::abort();
  }
  return 0;
}
