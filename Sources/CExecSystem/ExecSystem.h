// The C library as the exec helper sees it (agentops-run-exec, built in Embedded
// Swift). Embedded Swift has no Glibc module: this header names the system headers the
// `AgentOpsExec` sources use, and wraps the few things Swift cannot import directly
// (errno is a macro over a function, fcntl and ioctl are variadic, SIG_DFL and SIG_IGN are casts,
// and Embedded Swift has no key path for offsetof),
// as Swift's Glibc overlay does for the other builds.
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static inline int agentops_exec_errno(void) { return errno; }
static inline void agentops_exec_set_errno(int value) { errno = value; }
static inline int agentops_exec_fcntl(int fd, int command, int argument) { return fcntl(fd, command, argument); }
static inline int agentops_exec_ioctl(int fd, unsigned long request, int argument) { return ioctl(fd, request, argument); }
static inline __sighandler_t agentops_exec_sig_dfl(void) { return SIG_DFL; }
static inline __sighandler_t agentops_exec_sig_ign(void) { return SIG_IGN; }
static inline size_t agentops_exec_dirent_name_offset(void) { return offsetof(struct dirent, d_name); }
