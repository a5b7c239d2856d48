// The dashboard's files (web/), embedded in the binary at build time by cmake/embed_files.cmake:
// the daemon serves them with nothing on disk and nothing fetched from a network.
#pragma once

#include <span>
#include <string_view>

namespace vs {

struct WebAsset {
  std::string_view name;          // path below web/, e.g. "index.html", "app.js"
  std::string_view content_type;  // from the file's extension
  std::string_view bytes;
};

std::span<const WebAsset> web_assets();

}  // namespace vs
