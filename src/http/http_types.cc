#include "http/http_types.h"

namespace vs {

HttpReply json_reply(int status, const nlohmann::json& body) {
  HttpReply r;
  r.status = status;
  r.body = dump_json(body) + "\n";
  return r;
}

HttpReply error_reply(int status, const std::string& sentence) {
  return json_reply(status, {{"error", sentence}});
}

}  // namespace vs
