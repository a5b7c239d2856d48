// SendResult is what every attempt to queue something for a worker returns (AudioSink, SinkQueue,
// and the recording pump that reads it):
//   Ok      queued; the writer thread will deliver it
//   Full    the worker is not keeping up (no room before the deadline); nothing was queued
//   Closed  the worker's stdin is gone (it exited or is being replaced); nothing will be queued
// A header of its own so that users of the result need not include the sink and its queue.
#pragma once

namespace vs {

enum class SendResult { Ok, Full, Closed };

}  // namespace vs
