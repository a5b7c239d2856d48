// The few string helpers every parser here needs, in one place: HTTP header values, multipart
// parts, /proc files and configuration values are trimmed and compared the same way everywhere.
// ASCII only, on purpose: these are protocol tokens, not user text.
#pragma once

#include <string>
#include <string_view>

namespace vs {

// Without leading and trailing blanks: space, tab, CR and LF.
std::string_view trim(std::string_view s);

// ASCII letters lowered; every other byte kept.
std::string to_lower(std::string_view s);

// Equal when ASCII letters are compared without case.
bool iequals(std::string_view a, std::string_view b);

// True when s holds nothing but blanks (or nothing).
inline bool blank(std::string_view s) { return trim(s).empty(); }

}  // namespace vs
