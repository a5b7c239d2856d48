// The audio input devices PortAudio sees, for the `voice-sidecar devices` listing and for
// choosing the microphone a recording opens.
//
// A device is chosen by a spec: "" is the default input device, all digits is a PortAudio
// device index, anything else matches a device name (exactly, or else as a unique substring;
// case-insensitive). A spec that selects nothing throws SourceError listing what exists:
// "no input device matches 'foo'; input devices: 0 'default', 3 'USB Audio'".
//
//   std::cout << describe_input_devices();
//   InputDevice mic = select_input_device(list_input_devices(), "usb");
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vs {

struct InputDevice {
  int index = -1;  // PortAudio's device index
  std::string name;
  std::string host_api;  // "ALSA", "JACK Audio Connection Kit", ...
  int max_input_channels = 0;
  double default_sample_rate = 0.0;
  bool is_default = false;
};

// Devices with at least one input channel. Throws SourceError when PortAudio cannot start.
std::vector<InputDevice> list_input_devices();

// A listing for people, one device per line, the default marked with '*'.
std::string describe_input_devices();
std::string format_input_devices(std::span<const InputDevice> devices);

// "0 'default', 3 'USB Audio'" (or "none"): the choices an error message lists.
std::string summarize_input_devices(std::span<const InputDevice> devices);

// Pure: picks the device `spec` names among `devices`, or throws SourceError (see above).
InputDevice select_input_device(std::span<const InputDevice> devices, std::string_view spec);

}  // namespace vs
