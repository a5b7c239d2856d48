// What the daemon does with each signal it handles, as a table: the sigwait loop looks the
// signal up here and carries out the action, so the decision is data and is tested as data.
// Every signal whose default action would end the daemon without its cleanup (the worker
// SIGKILLed by its parent-death signal, the socket file left behind) is in it, each with the
// reason for its action, which the log line gives:
//
//   SIGTERM, SIGINT, SIGQUIT, SIGPWR, SIGXCPU  -> Shutdown (stop recordings and the worker, remove the socket)
//   SIGHUP                                     -> Reload   (re-read the configuration)
//   SIGUSR1/2, SIGALRM, SIGPROF, SIGVTALRM, SIGXFSZ, SIGIO, SIGSYS, SIGTRAP, SIGSTKFLT,
//   SIGRTMIN..SIGRTMAX                         -> Ignore   (logged)
//
// The faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) are left to their default, a core dump:
// that is what an operator who sends one wants, and a real fault cannot be waited for anyway.
// SIGSYS and SIGTRAP raised by a real fault (seccomp, a breakpoint) still kill: the kernel
// delivers a synchronous fault even when it is blocked; only a kill(2) of them is ignored.
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
  const char* why;   // for the log line: "power failure: shutting down cleanly"
};

// The named signals; the real-time signals (SIGRTMIN..SIGRTMAX) are ignored by a rule of their own.
std::span<const SignalRule> daemon_signal_rules();

// Every signal of the table and every real-time signal: to block in all threads and wait for in one.
sigset_t daemon_signal_set();

SignalAction signal_action(int sig);

// "SIGHUP" for a named signal, "SIGRTMIN+3" for a real-time one, "signal 99" for any other.
std::string signal_name(int sig);

// Why the daemon does what it does with `sig`, for the log line.
std::string signal_reason(int sig);

}  // namespace vs
