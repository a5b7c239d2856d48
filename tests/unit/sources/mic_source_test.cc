// The microphone on a machine that may have no sound card at all (CI): the device listing and
// every way of naming a device that does not exist must give a SourceError a user can act on,
// never a crash. Choosing among devices is tested on made-up lists.
#include "sources/mic_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sources/input_devices.h"

namespace vs {
namespace {

using ::testing::HasSubstr;

std::string open_error(const std::string& device) {
  try {
    MicSource::open(device);
  } catch (const SourceError& e) {
    return e.what();
  }
  return "";
}

const std::vector<InputDevice> kDevices = {
    {0, "default", "ALSA", 2, 44100, true},
    {3, "USB Audio Device: Mic (hw:1,0)", "ALSA", 1, 48000, false},
    {5, "USB Headset (hw:2,0)", "ALSA", 1, 16000, false},
};

TEST(InputDevices, ListingHasOnlyInputsAndAtMostOneDefault) {
  const std::vector<InputDevice> devices = list_input_devices();
  int defaults = 0;
  for (const InputDevice& d : devices) {
    EXPECT_GT(d.max_input_channels, 0) << d.name;
    defaults += d.is_default ? 1 : 0;
  }
  EXPECT_LE(defaults, 1);
}

TEST(InputDevices, ProbingDoesNotSpillAlsaOrJackNoiseOnStderr) {
  ::testing::internal::CaptureStderr();
  const std::string listing = describe_input_devices();
  const std::string noise = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(noise, "");
  EXPECT_FALSE(listing.empty());
}

TEST(InputDevices, DescriptionMarksTheDefault) {
  const std::string text = format_input_devices(kDevices);
  EXPECT_THAT(text, HasSubstr("*   0  default  (2 ch, 44100 Hz, ALSA)"));
  EXPECT_THAT(text, HasSubstr("    3  USB Audio Device: Mic (hw:1,0)  (1 ch, 48000 Hz, ALSA)"));
  EXPECT_EQ(format_input_devices({}), "no audio input devices found\n");
}

TEST(InputDevices, SelectsDefaultIndexExactNameOrUniqueSubstring) {
  EXPECT_EQ(select_input_device(kDevices, "").index, 0);
  EXPECT_EQ(select_input_device(kDevices, "5").index, 5);
  EXPECT_EQ(select_input_device(kDevices, "DEFAULT").index, 0);
  EXPECT_EQ(select_input_device(kDevices, "headset").index, 5);
  EXPECT_EQ(select_input_device(kDevices, "hw:1").index, 3);
}

TEST(InputDevices, UnknownNameListsWhatExists) {
  try {
    select_input_device(kDevices, "foo");
    FAIL() << "no error";
  } catch (const SourceError& e) {
    EXPECT_STREQ(e.what(),
                 "no input device matches 'foo'; input devices: 0 'default', "
                 "3 'USB Audio Device: Mic (hw:1,0)', 5 'USB Headset (hw:2,0)'");
  }
}

TEST(InputDevices, AmbiguousNameAsksForTheIndex) {
  try {
    select_input_device(kDevices, "usb");
    FAIL() << "no error";
  } catch (const SourceError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'usb' matches several input devices"));
    EXPECT_THAT(e.what(), HasSubstr("give its index"));
  }
}

TEST(InputDevices, IndexOutOfRangeOrNotAnInputIsRefused) {
  EXPECT_THROW(select_input_device(kDevices, "1"), SourceError);
  try {
    select_input_device(kDevices, "99");
    FAIL() << "no error";
  } catch (const SourceError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no input device has index 99; input devices: 0 'default'"));
  }
}

TEST(InputDevices, NoDefaultDevice) {
  const std::vector<InputDevice> none;
  try {
    select_input_device(none, "");
    FAIL() << "no error";
  } catch (const SourceError& e) {
    EXPECT_STREQ(e.what(), "there is no default input device; input devices: none");
  }
}

TEST(MicSource, UnknownDeviceNameIsASourceErrorNamingIt) {
  const std::string message = open_error("no-such-microphone-xyz");
  EXPECT_THAT(message, HasSubstr("'no-such-microphone-xyz'"));
  EXPECT_THAT(message, HasSubstr("input devices: "));
}

TEST(MicSource, IndexOutOfRangeIsASourceErrorNamingIt) {
  const std::string message = open_error("9999");
  EXPECT_THAT(message, HasSubstr("index 9999"));
  EXPECT_THAT(message, HasSubstr("input devices: "));
}

TEST(MicSource, DefaultDeviceOpensOrFailsWithASourceError) {
  // On a machine with a microphone this opens it (and closes it at once); without one it must
  // explain, not crash.
  try {
    auto mic = MicSource::open("");
    EXPECT_EQ(mic->kind(), "mic");
    EXPECT_GE(mic->device().index, 0);
  } catch (const SourceError& e) {
    if (list_input_devices().empty()) {
      EXPECT_STREQ(e.what(), "there is no default input device; input devices: none");
    } else {
      EXPECT_THAT(e.what(), HasSubstr("input device"));
    }
  }
}

}  // namespace
}  // namespace vs
