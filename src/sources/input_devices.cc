#include "sources/input_devices.h"

#include <portaudio.h>

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "common/strings.h"
#include "audio/audio_source.h"
#include "sources/portaudio_session.h"

namespace vs {
namespace {

bool all_digits(std::string_view text) {
  return !text.empty() && text.size() <= 9 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

[[noreturn]] void fail(const std::string& what, std::span<const InputDevice> devices) {
  throw SourceError(what + "; input devices: " + summarize_input_devices(devices));
}

InputDevice select_default(std::span<const InputDevice> devices) {
  const auto it = std::find_if(devices.begin(), devices.end(),
                               [](const InputDevice& d) { return d.is_default; });
  if (it == devices.end()) fail("there is no default input device", devices);
  return *it;
}

InputDevice select_by_index(std::span<const InputDevice> devices, std::string_view spec) {
  const int index = std::stoi(std::string(spec));
  const auto it = std::find_if(devices.begin(), devices.end(),
                               [index](const InputDevice& d) { return d.index == index; });
  if (it == devices.end()) fail("no input device has index " + std::string(spec), devices);
  return *it;
}

InputDevice select_by_name(std::span<const InputDevice> devices, std::string_view spec) {
  const std::string wanted = to_lower(spec);
  std::vector<InputDevice> partial;
  for (const InputDevice& d : devices) {
    const std::string name = to_lower(d.name);
    if (name == wanted) return d;
    if (name.find(wanted) != std::string::npos) partial.push_back(d);
  }
  if (partial.size() == 1) return partial.front();
  if (partial.empty()) fail("no input device matches '" + std::string(spec) + "'", devices);
  throw SourceError("'" + std::string(spec) + "' matches several input devices: " +
                    summarize_input_devices(partial) + "; give its index instead");
}

}  // namespace

std::vector<InputDevice> list_input_devices() {
  PortAudioSession session;
  std::vector<InputDevice> devices;
  const PaDeviceIndex default_input = Pa_GetDefaultInputDevice();
  const PaDeviceIndex count = Pa_GetDeviceCount();  // negative: an error, so no devices
  for (PaDeviceIndex i = 0; i < count; ++i) {
    const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
    if (info == nullptr || info->maxInputChannels <= 0) continue;
    const PaHostApiInfo* api = Pa_GetHostApiInfo(info->hostApi);
    devices.push_back({i, info->name, api != nullptr ? api->name : "", info->maxInputChannels,
                       info->defaultSampleRate, i == default_input});
  }
  return devices;
}

std::string describe_input_devices() { return format_input_devices(list_input_devices()); }

std::string format_input_devices(std::span<const InputDevice> devices) {
  if (devices.empty()) return "no audio input devices found\n";
  std::ostringstream out;
  out << "audio input devices (* = default):\n";
  for (const InputDevice& d : devices) {
    out << (d.is_default ? "* " : "  ") << std::setw(3) << d.index << "  " << d.name << "  ("
        << d.max_input_channels << " ch, " << d.default_sample_rate << " Hz";
    if (!d.host_api.empty()) out << ", " << d.host_api;
    out << ")\n";
  }
  return out.str();
}

std::string summarize_input_devices(std::span<const InputDevice> devices) {
  if (devices.empty()) return "none";
  std::string out;
  for (const InputDevice& d : devices) {
    if (!out.empty()) out += ", ";
    out += std::to_string(d.index) + " '" + d.name + "'";
  }
  return out;
}

InputDevice select_input_device(std::span<const InputDevice> devices, std::string_view spec) {
  if (spec.empty()) return select_default(devices);
  if (all_digits(spec)) return select_by_index(devices, spec);
  return select_by_name(devices, spec);
}

}  // namespace vs
