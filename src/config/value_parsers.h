// Strict text → value conversions shared by every configuration layer (file, env, flags).
//
// "Strict" means the whole text must be the value: "10ms", " 10", "1e3" for an int, "maybe" for a
// bool are all rejected rather than half-read, so a typo never silently becomes a default.
// Ranges are not checked here — validate.cc does that once, on the merged result.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vs::config_detail {

// 1/true/yes/on and 0/false/no/off, case-insensitive (the reference's spelling).
std::optional<bool> parse_bool(std::string_view text);
// A decimal integer that fits an int; optional leading '-', nothing else.
std::optional<int> parse_int(std::string_view text);
// A finite decimal number ("2", "0.5", "1e3"); no inf/nan, no hex.
std::optional<double> parse_double(std::string_view text);
// A permission mode: "0600" / "0o600" are octal, a plain integer ("384") is decimal, as a JSON
// number would be. Values above 07777 are rejected.
std::optional<unsigned> parse_mode(std::string_view text);

// Splits a command line into words like a POSIX shell would, without ever running one.
// Throws std::invalid_argument on an unterminated quote or a trailing backslash.
std::vector<std::string> split_command_line(std::string_view text);

// Formatting for messages and describe_config().
std::string json_quoted(std::string_view text);   // a JSON string literal
std::string format_double(double value);     // shortest text that reads back the same
std::string format_mode(unsigned mode);      // "0600"

}  // namespace vs::config_detail
