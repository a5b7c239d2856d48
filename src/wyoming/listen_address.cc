#include "wyoming/listen_address.h"

#include "http/listen_socket.h"

namespace vs {

ListenConfig wyoming_listen_config(const std::string& listen) {
  ListenConfig c;
  if (listen.starts_with("tcp://")) {
    c.network = "tcp";
    c.address = listen.substr(6);
  } else if (listen.starts_with("unix://")) {
    c.network = "unix";
    c.address = listen.substr(7);
  } else {
    throw ListenError("wyoming.listen: expected tcp://HOST:PORT or unix://PATH, got \"" + listen + "\"");
  }
  return c;
}

}  // namespace vs
