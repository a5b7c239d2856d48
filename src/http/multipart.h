// A strict, bounded multipart/form-data parser (RFC 7578 over RFC 2046) for the OpenAI-style
// upload POST /v1/audio/transcriptions. Its own small code rather than a library: none of our
// chosen dependencies parses multipart (Beast does not, and there is no Debian or PyPI C++
// package we use for it), and a form with a few fields and one file needs about a hundred lines.
//
// It works on the whole body already in memory (the route buffers it up to its size limit) and
// hands back views into that body: nothing of the file is copied. It refuses rather than guesses:
// a missing or malformed boundary, a part without Content-Disposition: form-data and a name, a
// body without its closing delimiter, too many parts, or part headers that are too long.
//
//   std::string boundary;
//   if (auto error = multipart_boundary(content_type, boundary)) ... 400 *error
//   MultipartForm form = parse_multipart(body, boundary);
//   if (!form.error.empty()) ... 400 form.error
//   for (const FormPart& p : form.parts) if (p.name == "file") use(p.filename, p.data);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vs {

struct FormPart {
  std::string name;          // Content-Disposition name="..."
  std::string filename;      // filename="..." (empty when not a file)
  bool has_filename = false;
  std::string content_type;  // the part's Content-Type, "" when none was sent
  std::string_view data;     // the part's bytes, a view into the parsed body
};

struct MultipartForm {
  std::vector<FormPart> parts;
  std::string error;  // a sentence saying what is wrong with the body; empty when it parsed
};

struct MultipartLimits {
  size_t max_parts = 32;
  size_t max_header_bytes = 8 * 1024;  // one part's header section
};

// The boundary parameter of a multipart/form-data Content-Type, in `boundary`; or a sentence
// saying why there is none (another media type, no boundary, an invalid one).
std::optional<std::string> multipart_boundary(std::string_view content_type, std::string& boundary);

// Splits `body` into its parts. The views in the result point into `body`.
MultipartForm parse_multipart(std::string_view body, std::string_view boundary, const MultipartLimits& limits = {});

}  // namespace vs
