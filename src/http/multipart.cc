#include "http/multipart.h"

#include <algorithm>

#include "common/strings.h"

namespace vs {
namespace {

// Header parameters: `; key=value` or `; key="quoted \"value\""`, keys lower-cased. Returns
// false on an unterminated quoted string.
bool parse_params(std::string_view rest, std::vector<std::pair<std::string, std::string>>& out) {
  while (!rest.empty()) {
    rest = trim(rest);
    if (rest.empty()) break;
    if (rest.front() == ';') {
      rest.remove_prefix(1);
      continue;
    }
    const size_t eq = rest.find('=');
    const size_t semi = rest.find(';');
    if (eq == std::string_view::npos || (semi != std::string_view::npos && semi < eq)) {
      // A bare token (e.g. "form-data" itself when called on the whole value): skip it.
      rest.remove_prefix(semi == std::string_view::npos ? rest.size() : semi);
      continue;
    }
    std::string key = to_lower(trim(rest.substr(0, eq)));
    rest.remove_prefix(eq + 1);
    rest = trim(rest);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        value += rest[i];
      }
      if (i >= rest.size()) return false;
      rest.remove_prefix(i + 1);
    } else {
      const size_t end = std::min(rest.find(';'), rest.size());
      value = std::string(trim(rest.substr(0, end)));
      rest.remove_prefix(end);
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

const std::string* param(const std::vector<std::pair<std::string, std::string>>& params, const char* key) {
  for (const auto& [k, v] : params) {
    if (k == key) return &v;
  }
  return nullptr;
}

// Reads one part's header section (lines up to the empty line) into `part`.
std::string parse_part_headers(std::string_view headers, FormPart& part) {
  bool disposition = false;
  while (!headers.empty()) {
    const size_t eol = headers.find("\r\n");
    const std::string_view line = headers.substr(0, eol);
    headers.remove_prefix(eol == std::string_view::npos ? headers.size() : eol + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return "a part header line has no ':' (" + std::string(line.substr(0, 60)) + ")";
    const std::string name = to_lower(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-type") part.content_type = std::string(value);
    if (name != "content-disposition") continue;
    const size_t semi = value.find(';');
    if (to_lower(trim(value.substr(0, semi))) != "form-data") {
      return "a part's Content-Disposition is not form-data";
    }
    std::vector<std::pair<std::string, std::string>> params;
    if (semi != std::string_view::npos && !parse_params(value.substr(semi), params)) {
      return "a part's Content-Disposition has an unterminated quoted string";
    }
    const std::string* n = param(params, "name");
    if (!n || n->empty()) return "a part's Content-Disposition has no name";
    part.name = *n;
    if (const std::string* f = param(params, "filename")) {
      part.filename = *f;
      part.has_filename = true;
    }
    disposition = true;
  }
  return disposition ? "" : "a part has no Content-Disposition: form-data header";
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type, std::string& boundary) {
  const size_t semi = content_type.find(';');
  if (to_lower(trim(content_type.substr(0, semi))) != "multipart/form-data") {
    return "Content-Type must be multipart/form-data; got '" + std::string(content_type) + "'";
  }
  std::vector<std::pair<std::string, std::string>> params;
  if (semi == std::string_view::npos || !parse_params(content_type.substr(semi), params)) {
    return std::string("the multipart/form-data Content-Type has no boundary parameter");
  }
  const std::string* b = param(params, "boundary");
  if (!b) return std::string("the multipart/form-data Content-Type has no boundary parameter");
  // RFC 2046: 1..70 characters, not ending in a space.
  if (b->empty() || b->size() > 70 || b->back() == ' ') {
    return "the multipart boundary must be 1 to 70 characters, not ending in a space; got '" + *b + "'";
  }
  boundary = *b;
  return std::nullopt;
}

MultipartForm parse_multipart(std::string_view body, std::string_view boundary, const MultipartLimits& limits) {
  MultipartForm form;
  const std::string dash = "--" + std::string(boundary);
  const std::string delimiter = "\r\n" + dash;
  // The first delimiter may open the body or follow a preamble (which ends in CRLF).
  size_t pos;
  if (body.starts_with(dash)) {
    pos = dash.size();
  } else {
    const size_t at = body.find(delimiter);
    if (at == std::string_view::npos) {
      form.error = "the multipart body does not contain its boundary '" + std::string(boundary) + "'";
      return form;
    }
    pos = at + delimiter.size();
  }
  for (;;) {
    if (body.substr(pos, 2) == "--") return form;  // the closing delimiter
    // Transport padding (spaces, tabs) may follow a delimiter, then CRLF.
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") {
      form.error = "the multipart body is malformed after a boundary (expected CRLF or '--')";
      return form;
    }
    pos += 2;
    if (form.parts.size() >= limits.max_parts) {
      form.error = "the multipart body has more than " + std::to_string(limits.max_parts) + " parts";
      return form;
    }
    const size_t headers_end = body.find("\r\n\r\n", pos);
    const bool no_headers = body.substr(pos, 2) == "\r\n";
    if (!no_headers && (headers_end == std::string_view::npos || headers_end - pos > limits.max_header_bytes)) {
      form.error = headers_end == std::string_view::npos
                       ? "the multipart body ends inside a part's headers"
                       : "a part's headers are longer than " + std::to_string(limits.max_header_bytes) + " bytes";
      return form;
    }
    FormPart part;
    const std::string_view headers = no_headers ? std::string_view() : body.substr(pos, headers_end - pos);
    if (std::string why = parse_part_headers(headers, part); !why.empty()) {
      form.error = why;
      return form;
    }
    pos = no_headers ? pos + 2 : headers_end + 4;
    const size_t end = body.find(delimiter, pos);
    if (end == std::string_view::npos) {
      form.error = "the multipart body ends before its closing boundary (was the upload cut short?)";
      return form;
    }
    part.data = body.substr(pos, end - pos);
    form.parts.push_back(std::move(part));
    pos = end + delimiter.size();
  }
}

}  // namespace vs
