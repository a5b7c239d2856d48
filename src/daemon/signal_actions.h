// What the daemon does with each signal it handles, as a table: the sigwait loop looks the
// signal up here and carries out the action, so the decision is data and is tested as data.
//
//   SIGTERM, SIGINT, SIGQUIT   -> Shutdown (stop the recording and the worker, remove the socket)
//   SIGHUP                     -> Reload   (re-read the configuration, apply what can change)
//   SIGUSR1, SIGUSR2, SIGALRM  -> Ignore   (logged: their default action would kill the daemon
//                                           without its cleanup, the worker SIGKILLed by its
//                                           parent-death signal and the socket file left behind)
//
//   sigset_t set = daemon_signal_set();      // blocked in every thread, taken by sigwait
//   switch (signal_action(sig)) { ... }
#pragma once

#include <signal.h>

#include <span>
#include <string>

namespace vs {

enum class SignalAction { Shutdown, Reload, Ignore };

struct SignalRule {
  int signal;
  const char* name;  // "SIGHUP"
  SignalAction action;
};

std::span<const SignalRule> daemon_signal_rules();

// Every signal of the table: to block in all threads and wait for in one.
sigset_t daemon_signal_set();

// The table's action for `sig`; a signal the table does not name is ignored (it cannot arrive
// through sigwait, which only takes the set above).
SignalAction signal_action(int sig);

// "SIGHUP" for a signal of the table, "signal 42" for any other.
std::string signal_name(int sig);

}  // namespace vs
