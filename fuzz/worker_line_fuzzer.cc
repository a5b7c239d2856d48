// Fuzzes the worker's side of the pipe as the daemon reads it: bytes split into lines (bounded),
// each line parsed, a known message typed and its fields read, and its times moved onto a
// recording's timeline — everything a misbehaving worker's stdout reaches before the event bus.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "worker_pipe/line_splitter.h"
#include "worker_pipe/wire_messages.h"
#include "worker_pipe/worker_link.h"

namespace {

void handle(std::string_view line, vs::WorkerLinkState& link) {
  vs::ParsedLine parsed = vs::parse_worker_line(line);
  if (parsed.kind != vs::LineKind::Known) return;
  vs::WorkerMessage msg{parsed.type, std::make_shared<const nlohmann::json>(std::move(parsed.body)), line.size()};
  (void)msg.ack_seq();
  (void)msg.ack_received();
  (void)msg.string_field("id");
  (void)msg.string_field("text");
  if (msg.type == vs::WorkerMessageType::Ack) link.on_ack(msg);
  (void)link.on_timeline(msg);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  vs::WorkerLinkState link;
  link.set_timeline("", size % 2 ? 1500 : -1500, "rec_fuzz");  // both directions of a replayed instance
  vs::LineSplitter split(4096);  // small, so the fuzzer reaches the oversized-line path too
  const auto on_line = [&](std::string_view line) { handle(line, link); };
  // Two reads cut at a point the input chooses, as a pipe delivers them.
  const size_t cut = size ? data[0] % (size + 1) : 0;
  split.feed(bytes.substr(0, cut), on_line);
  split.feed(bytes.substr(cut), on_line);
  split.finish(on_line);
  return 0;
}
