#include "wyoming/frame_codec.h"

#include "common/json_text.h"

namespace vs {
namespace {

// A length field: absent, null or a non-negative integer no larger than `limit`.
size_t length_field(const nlohmann::json& header, const char* key, size_t limit) {
  const auto it = header.find(key);
  if (it == header.end() || it->is_null()) return 0;
  if (!it->is_number_integer() || (it->is_number_integer() && it->get<int64_t>() < 0)) {
    throw WyomingProtocolError(std::string(key) + " must be a non-negative integer");
  }
  const auto n = it->get<uint64_t>();
  if (n > limit) {
    throw WyomingProtocolError(std::string(key) + " " + std::to_string(n) + " is over the limit of " +
                               std::to_string(limit) + " bytes");
  }
  return static_cast<size_t>(n);
}

nlohmann::json parse_object(std::string_view text, const char* what) {
  nlohmann::json j = parse_json(text);
  if (j.is_discarded()) throw WyomingProtocolError(std::string(what) + " is not valid JSON");
  if (!j.is_object()) throw WyomingProtocolError(std::string(what) + " is not a JSON object");
  return j;
}

std::string dump(const nlohmann::json& j) {
  // Like json.dumps(ensure_ascii=False); bytes that are not UTF-8 are replaced, never thrown on.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void WyomingDecoder::feed(std::string_view bytes) {
  compact();
  buffer_.append(bytes);
}

void WyomingDecoder::compact() {
  // Drop what was parsed once it is most of the buffer: linear cost, bounded memory.
  if (pos_ > 0 && pos_ * 2 >= buffer_.size()) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
}

void WyomingDecoder::parse_header(std::string_view line) {
  const nlohmann::json header = parse_object(line, "the event header");
  const auto type = header.find("type");
  if (type == header.end() || !type->is_string() || type->get_ref<const std::string&>().empty()) {
    throw WyomingProtocolError("the event header has no \"type\" string");
  }
  pending_ = WyomingEvent{type->get<std::string>()};
  if (const auto data = header.find("data"); data != header.end() && !data->is_null()) {
    if (!data->is_object()) throw WyomingProtocolError("\"data\" is not a JSON object");
    pending_.data = *data;
  }
  data_length_ = length_field(header, "data_length", kMaxDataBytes);
  payload_length_ = length_field(header, "payload_length", kMaxPayloadBytes);
}

std::optional<WyomingEvent> WyomingDecoder::next() {
  for (;;) {
    const std::string_view rest = std::string_view(buffer_).substr(pos_);
    switch (part_) {
      case Part::Header: {
        const size_t nl = rest.find('\n');
        if (nl == std::string_view::npos) {
          if (rest.size() > kMaxHeaderBytes) {
            throw WyomingProtocolError("an event header line is longer than " + std::to_string(kMaxHeaderBytes) +
                                       " bytes");
          }
          return std::nullopt;
        }
        if (nl > kMaxHeaderBytes) {
          throw WyomingProtocolError("an event header line is longer than " + std::to_string(kMaxHeaderBytes) +
                                     " bytes");
        }
        parse_header(rest.substr(0, nl));
        pos_ += nl + 1;
        part_ = Part::Data;
        break;
      }
      case Part::Data: {
        if (rest.size() < data_length_) return std::nullopt;
        if (data_length_ > 0) pending_.data.update(parse_object(rest.substr(0, data_length_), "the data block"));
        pos_ += data_length_;
        part_ = Part::Payload;
        break;
      }
      case Part::Payload: {
        if (rest.size() < payload_length_) return std::nullopt;
        pending_.payload.assign(rest.substr(0, payload_length_));
        pos_ += payload_length_;
        part_ = Part::Header;
        return std::move(pending_);
      }
    }
  }
}

std::string encode_wyoming(const WyomingEvent& event) {
  nlohmann::json header = {{"type", event.type}, {"version", kWyomingProtocolVersion}};
  std::string data;
  if (event.data.is_object() && !event.data.empty()) {
    data = dump(event.data);
    header["data_length"] = data.size();
  }
  if (!event.payload.empty()) header["payload_length"] = event.payload.size();
  std::string out = dump(header);
  out.reserve(out.size() + 1 + data.size() + event.payload.size());
  out += '\n';
  out += data;
  out += event.payload;
  return out;
}

}  // namespace vs
