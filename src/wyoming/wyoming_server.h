// WyomingServer is the Wyoming listener (Home Assistant's speech-to-text protocol, DESIGN.md §3):
// `describe` → `info`; `transcribe` + `audio-start/chunk/stop` → one recording through the same
// Recorder, ring and pump as the HTTP sources, answered with transcript-start/-chunk while
// speaking and transcript + transcript-stop after audio-stop. The recorder's admission queue
// decides when a transcription starts: beyond audio.max_recordings a connection waits its turn
// in arrival order for at most queue_timeout, then gets an `error`.
// A silent connection is closed after idle_timeout, a transcription whose audio stops for
// read_timeout ends with an `error`, and when all kMaxConnections are open the longest-idle one
// makes room for a new one.
//
// It owns no thread: its acceptor and connections run on the io_contexts `next_io` hands out
// (the HTTP server's I/O threads), and like every session there nothing blocks.
//
//   WyomingServer wy(open_listen_socket(wyoming_listen_config(cfg.wyoming.listen)),
//                    WyomingContext{recorder, model_info, 30000ms},
//                    [&http] () -> boost::asio::io_context& { return http.next_io_context(); });
//   wy.start();   // after the HTTP server started (its threads run the io_contexts)
//   ...
//   wy.stop();    // before the HTTP server stops: closes the listener and every connection
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "http/listen_socket.h"
#include "wyoming/info_event.h"

namespace boost::asio {
class io_context;
}

namespace vs {

class Recorder;

struct WyomingContext {
  Recorder& recorder;
  std::function<ModelInfo()> model;           // what `info` describes (the worker's engine and model)
  std::chrono::milliseconds queue_timeout{30000};
  // A connection outside a transcription that sends nothing (or reads nothing we write) this long
  // is closed; mid-transcription, a gap in the client's audio this long ends its turn.
  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds read_timeout{5000};
};

class WyomingServer {
 public:
  using NextIo = std::function<boost::asio::io_context&()>;
  WyomingServer(ListenSocket socket, WyomingContext context, NextIo next_io);
  ~WyomingServer();
  WyomingServer(const WyomingServer&) = delete;
  WyomingServer& operator=(const WyomingServer&) = delete;

  void start();
  void stop();
  const ListenSocket& socket() const;
  size_t connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vs
