// Signal dispositions through the kernel's own call, for the two signals glibc keeps
// for itself: 32 (thread cancellation) and 33 (set*id across threads). glibc's
// sigaction refuses both (EINVAL), yet its posix_spawn sets them to SIG_IGN in the child
// of any process with handlers for them, which is every threaded one: Foundation's spawn
// of the exec helper passed them on to every command as ignored (hostile pass, round 9).
// C because the kernel's call is made with syscall(2), which is variadic: Swift cannot
// call it.
#ifndef AGENTOPS_C_SIGNALS_H
#define AGENTOPS_C_SIGNALS_H

/// 1 when signal `number` is ignored (SIG_IGN), 0 when it is not, -1 on an error.
int agentops_signal_is_ignored(int number);

/// Sets signal `number` to its default action; 0, or -1 with errno set.
int agentops_signal_set_default(int number);

#endif
