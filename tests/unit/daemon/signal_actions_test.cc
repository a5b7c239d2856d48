// The signal table: which signals the daemon takes, and what each one does. Every signal a daemon
// commonly receives whose default action would end it is in the table, so none can kill it
// without its cleanup.
#include "daemon/signal_actions.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace vs {
namespace {

TEST(SignalActions, ShutdownSignals) {
  EXPECT_EQ(signal_action(SIGTERM), SignalAction::Shutdown);
  EXPECT_EQ(signal_action(SIGINT), SignalAction::Shutdown);
  EXPECT_EQ(signal_action(SIGQUIT), SignalAction::Shutdown);
}

TEST(SignalActions, HangupReloads) { EXPECT_EQ(signal_action(SIGHUP), SignalAction::Reload); }

TEST(SignalActions, UserSignalsAndAlarmAreIgnored) {
  EXPECT_EQ(signal_action(SIGUSR1), SignalAction::Ignore);
  EXPECT_EQ(signal_action(SIGUSR2), SignalAction::Ignore);
  EXPECT_EQ(signal_action(SIGALRM), SignalAction::Ignore);
}

TEST(SignalActions, TheSetHoldsExactlyTheTable) {
  const sigset_t set = daemon_signal_set();
  for (const SignalRule& rule : daemon_signal_rules()) {
    EXPECT_EQ(sigismember(&set, rule.signal), 1) << rule.name;
    EXPECT_EQ(signal_name(rule.signal), rule.name);
  }
  int members = 0;
  for (int sig = 1; sig < NSIG; ++sig) members += sigismember(&set, sig) == 1;
  EXPECT_EQ(members, static_cast<int>(daemon_signal_rules().size()) + (SIGRTMAX - SIGRTMIN + 1));
  // Taken by sigwait, never by a handler: these must stay out (SIGPIPE is ignored instead, and
  // SIGKILL/SIGSTOP cannot be caught at all).
  EXPECT_EQ(sigismember(&set, SIGPIPE), 0);
  EXPECT_EQ(sigismember(&set, SIGCHLD), 0);
}

// Each signal whose default action terminates a process and that a daemon is commonly sent (by
// systemd, kill, a terminal, logrotate scripts, a stray alarm) has a rule.
TEST(SignalActions, NoCommonTerminatingSignalIsLeftToItsDefault) {
  for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM}) {
    const auto rules = daemon_signal_rules();
    EXPECT_TRUE(std::any_of(rules.begin(), rules.end(), [sig](const SignalRule& r) { return r.signal == sig; }))
        << signal_name(sig);
  }
}

// Every signal that can be caught and whose default action ends the process (signal(7): Term and
// Core, less the faults a core dump is meant for) is taken, with a reason for the log line.
// Issue 16, S11: SIGXCPU, SIGXFSZ, SIGPROF, SIGVTALRM, SIGPWR, SIGSYS, SIGTRAP and SIGSTKFLT
// once killed the daemon and left its socket file.
TEST(SignalActions, EveryCatchableTerminatingSignalIsTaken) {
  const sigset_t set = daemon_signal_set();
  const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
  const int defaults_that_do_not_end[] = {SIGCHLD, SIGCONT, SIGURG, SIGWINCH, SIGTSTP, SIGTTIN, SIGTTOU, SIGSTOP};
  for (int sig = 1; sig <= SIGRTMAX; ++sig) {
    if (sig == SIGKILL || sig == SIGPIPE) continue;  // cannot be caught; ignored by disposition
    if (sig > SIGSYS && sig < SIGRTMIN) continue;   // glibc's own (NPTL) signals
    if (std::find(std::begin(faults), std::end(faults), sig) != std::end(faults)) continue;
    if (std::find(std::begin(defaults_that_do_not_end), std::end(defaults_that_do_not_end), sig) !=
        std::end(defaults_that_do_not_end)) {
      continue;
    }
    EXPECT_EQ(sigismember(&set, sig), 1) << signal_name(sig);
    EXPECT_NE(signal_reason(sig), "not a signal the daemon takes") << signal_name(sig);
  }
  for (int sig : faults) EXPECT_EQ(sigismember(&set, sig), 0) << signal_name(sig);
}

TEST(SignalActions, PowerFailureAndCpuLimitShutDownTheRestAreIgnored) {
  EXPECT_EQ(signal_action(SIGPWR), SignalAction::Shutdown);
  EXPECT_EQ(signal_action(SIGXCPU), SignalAction::Shutdown);
  for (int sig : {SIGXFSZ, SIGPROF, SIGVTALRM, SIGSYS, SIGTRAP, SIGSTKFLT, SIGIO}) {
    EXPECT_EQ(signal_action(sig), SignalAction::Ignore) << signal_name(sig);
  }
}

TEST(SignalActions, RealtimeSignalsAreIgnoredAndNamed) {
  EXPECT_EQ(signal_name(SIGRTMIN), "SIGRTMIN");
  EXPECT_EQ(signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
  EXPECT_EQ(signal_action(SIGRTMIN + 3), SignalAction::Ignore);
  EXPECT_EQ(signal_action(SIGRTMAX), SignalAction::Ignore);
}

TEST(SignalActions, OtherNumbersAreNamedByNumber) { EXPECT_EQ(signal_name(99), "signal 99"); }

}  // namespace
}  // namespace vs
