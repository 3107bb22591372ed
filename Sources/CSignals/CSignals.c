#include "CSignals.h"

#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

// The kernel's struct sigaction is at most four words before its mask on Linux's
// architectures (handler, flags, restorer, mask; some have no restorer): all zero is
// SIG_DFL with no flags and an empty mask, whatever the order. The kernel's signal set
// is 64 bits (_NSIG / 8) on every architecture Swift runs on.
enum { kernel_words = 8, kernel_set_bytes = 8 };

int agentops_signal_is_ignored(int number) {
    unsigned long old[kernel_words];
    memset(old, 0, sizeof old);
    if (syscall(SYS_rt_sigaction, number, NULL, old, kernel_set_bytes) != 0) return -1;
    // The handler is the first word everywhere but MIPS (flags first), which Swift
    // does not run on.
    return old[0] == (unsigned long)SIG_IGN;
}

int agentops_signal_set_default(int number) {
    unsigned long action[kernel_words];
    memset(action, 0, sizeof action);
    return syscall(SYS_rt_sigaction, number, action, NULL, kernel_set_bytes) == 0 ? 0 : -1;
}
