#include "daemon/signal_actions.h"

#include <array>

namespace vs {

namespace {

constexpr std::array kRules = {
    SignalRule{SIGTERM, "SIGTERM", SignalAction::Shutdown, "asked to stop"},
    SignalRule{SIGINT, "SIGINT", SignalAction::Shutdown, "interrupted"},
    // Ctrl-\ in a terminal: a graceful stop too, rather than a core dump that leaves the socket.
    SignalRule{SIGQUIT, "SIGQUIT", SignalAction::Shutdown, "asked to quit"},
    // init's way of saying the power is failing: stop while there is time to do it cleanly.
    SignalRule{SIGPWR, "SIGPWR", SignalAction::Shutdown, "power failure"},
    // The soft CPU-time limit: the hard one (SIGKILL) follows, so stop cleanly while we can.
    SignalRule{SIGXCPU, "SIGXCPU", SignalAction::Shutdown, "CPU time limit (RLIMIT_CPU) reached"},
    SignalRule{SIGHUP, "SIGHUP", SignalAction::Reload, "reload requested"},
    SignalRule{SIGUSR1, "SIGUSR1", SignalAction::Ignore, "no meaning here"},
    SignalRule{SIGUSR2, "SIGUSR2", SignalAction::Ignore, "no meaning here"},
    SignalRule{SIGALRM, "SIGALRM", SignalAction::Ignore, "the daemon sets no alarm"},
    SignalRule{SIGPROF, "SIGPROF", SignalAction::Ignore, "the daemon runs no profiling timer"},
    SignalRule{SIGVTALRM, "SIGVTALRM", SignalAction::Ignore, "the daemon runs no virtual timer"},
    // A write past RLIMIT_FSIZE then fails with EFBIG, which the writer reports.
    SignalRule{SIGXFSZ, "SIGXFSZ", SignalAction::Ignore, "file size limit: the write fails instead"},
    SignalRule{SIGIO, "SIGIO", SignalAction::Ignore, "the daemon asks for no signal-driven I/O"},
    SignalRule{SIGSYS, "SIGSYS", SignalAction::Ignore, "sent, not raised by a bad system call"},
    SignalRule{SIGTRAP, "SIGTRAP", SignalAction::Ignore, "sent, not raised by a breakpoint"},
    SignalRule{SIGSTKFLT, "SIGSTKFLT", SignalAction::Ignore, "unused on Linux"},
};

constexpr const char* kRealtimeReason = "real-time signals have no meaning here";

const SignalRule* find_rule(int sig) {
  for (const SignalRule& r : kRules) {
    if (r.signal == sig) return &r;
  }
  return nullptr;
}

bool realtime(int sig) { return sig >= SIGRTMIN && sig <= SIGRTMAX; }

}  // namespace

std::span<const SignalRule> daemon_signal_rules() { return kRules; }

sigset_t daemon_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  for (const SignalRule& r : kRules) sigaddset(&set, r.signal);
  for (int sig = SIGRTMIN; sig <= SIGRTMAX; ++sig) sigaddset(&set, sig);
  return set;
}

SignalAction signal_action(int sig) {
  const SignalRule* rule = find_rule(sig);
  return rule ? rule->action : SignalAction::Ignore;
}

std::string signal_name(int sig) {
  if (const SignalRule* rule = find_rule(sig)) return rule->name;
  if (realtime(sig)) return sig == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+" + std::to_string(sig - SIGRTMIN);
  return "signal " + std::to_string(sig);
}

std::string signal_reason(int sig) {
  if (const SignalRule* rule = find_rule(sig)) return rule->why;
  return realtime(sig) ? kRealtimeReason : "not a signal the daemon takes";
}

}  // namespace vs
