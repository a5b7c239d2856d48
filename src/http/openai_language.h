// The name OpenAI's verbose_json gives a language: Whisper's English name in lower case
// ("english" for en, "german" for de), from the code the request or the worker says. Pure.
//
//   whisper_language_name("de");   // "german"
//   whisper_language_name("xx");   // "xx": a code Whisper does not know is said as it came
#pragma once

#include <string>
#include <string_view>

namespace vs {

std::string whisper_language_name(std::string_view code);

}  // namespace vs
