#include "daemon/signal_actions.h"

#include <array>

namespace vs {

namespace {

constexpr std::array kRules = {
    SignalRule{SIGTERM, "SIGTERM", SignalAction::Shutdown},
    SignalRule{SIGINT, "SIGINT", SignalAction::Shutdown},
    // Ctrl-\ in a terminal: a graceful stop too, rather than a core dump that leaves the socket.
    SignalRule{SIGQUIT, "SIGQUIT", SignalAction::Shutdown},
    SignalRule{SIGHUP, "SIGHUP", SignalAction::Reload},
    SignalRule{SIGUSR1, "SIGUSR1", SignalAction::Ignore},
    SignalRule{SIGUSR2, "SIGUSR2", SignalAction::Ignore},
    SignalRule{SIGALRM, "SIGALRM", SignalAction::Ignore},
};

const SignalRule* find_rule(int sig) {
  for (const SignalRule& r : kRules) {
    if (r.signal == sig) return &r;
  }
  return nullptr;
}

}  // namespace

std::span<const SignalRule> daemon_signal_rules() { return kRules; }

sigset_t daemon_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  for (const SignalRule& r : kRules) sigaddset(&set, r.signal);
  return set;
}

SignalAction signal_action(int sig) {
  const SignalRule* rule = find_rule(sig);
  return rule ? rule->action : SignalAction::Ignore;
}

std::string signal_name(int sig) {
  const SignalRule* rule = find_rule(sig);
  return rule ? rule->name : "signal " + std::to_string(sig);
}

}  // namespace vs
