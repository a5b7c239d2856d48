// The daemon's version, from CMake's project() version.
#pragma once

namespace vs {
inline constexpr const char* kVersion = VS_VERSION;
// The Python of the project's venv; the default worker command runs `<it> -m voice_worker`.
inline constexpr const char* kVenvPython = VS_VENV_PYTHON;
}  // namespace vs
