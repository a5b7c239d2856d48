// A recording's id: "rec_" and 12 random hex digits, unique enough that an id seen by a client
// before a daemon restart never names another recording after it. Events carry it as
// "recording", and /v1/recordings/{id} and /v1/events?recording= find the recording by it.
#pragma once

#include <string>

namespace vs {

std::string new_recording_id();

}  // namespace vs
