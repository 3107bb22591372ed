// The C library agentops-run-exec is linked with instead of glibc: the ~45 functions it
// calls, each a system call or a few lines, and its own `_start`.
//
// Why: on the VMs this runs on, a CPUID instruction traps to the hypervisor (8.5 µs
// each, measured), and glibc's start-up, static or dynamic, runs dozens of them to
// learn the CPU's features and caches before `main`. An empty static glibc program
// took 0.81 ms to spawn and reap, the same with nothing linked but a `_start` 0.08 ms;
// the helper's start is on the path to every command's start, where agentops-run waits
// for its `hello` (issue 18; BENCHMARKS.md, round 13). The helper needs none of what
// glibc sets up: one thread, no locale, no stdio, no dynamic loading.
//
// What it keeps of glibc's behaviour the helper relies on: errno set from the kernel's
// negative returns; `sigset_t` as glibc lays it out (the kernel's 64 signals in its
// first word); real-time signals from 34, as glibc reserves 32 and 33; the stack
// protector's canary at %fs:0x28, from the kernel's AT_RANDOM bytes.
//
// x86-64 Linux only, where the helper is built in Embedded Swift (Package.swift).
#if defined(__x86_64__) && defined(__linux__)

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

// MARK: - System calls

static long raw_syscall6(long n, long a, long b, long c, long d, long e, long f) {
    long result;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return result;
}

static int error_number;

int *__errno_location(void) { return &error_number; }

/// The kernel's answer as the C library gives it: -1 with errno for -4095…-1.
static long checked(long result) {
    if (result < 0 && result > -4096) {
        error_number = (int)-result;
        return -1;
    }
    return result;
}

#define SYS(n, a, b, c, d, e, f) checked(raw_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f)))

long syscall(long number, ...) {
    va_list list;
    va_start(list, number);
    long a = va_arg(list, long), b = va_arg(list, long), c = va_arg(list, long);
    long d = va_arg(list, long), e = va_arg(list, long), f = va_arg(list, long);
    va_end(list);
    return SYS(number, a, b, c, d, e, f);
}

ssize_t read(int fd, void *buffer, size_t count) { return SYS(SYS_read, fd, buffer, count, 0, 0, 0); }
ssize_t write(int fd, const void *buffer, size_t count) { return SYS(SYS_write, fd, buffer, count, 0, 0, 0); }
int close(int fd) { return (int)SYS(SYS_close, fd, 0, 0, 0, 0, 0); }
int dup2(int from, int to) { return (int)SYS(SYS_dup2, from, to, 0, 0, 0, 0); }
int pipe(int fds[2]) { return (int)SYS(SYS_pipe2, fds, 0, 0, 0, 0, 0); }
ssize_t recvmsg(int fd, struct msghdr *message, int flags) { return SYS(SYS_recvmsg, fd, message, flags, 0, 0, 0); }
ssize_t sendmsg(int fd, const struct msghdr *message, int flags) { return SYS(SYS_sendmsg, fd, message, flags, 0, 0, 0); }
int execve(const char *path, char *const argv[], char *const envp[]) {
    return (int)SYS(SYS_execve, path, argv, envp, 0, 0, 0);
}
pid_t getpid(void) { return (pid_t)SYS(SYS_getpid, 0, 0, 0, 0, 0, 0); }
pid_t getppid(void) { return (pid_t)SYS(SYS_getppid, 0, 0, 0, 0, 0, 0); }
pid_t getpgid(pid_t pid) { return (pid_t)SYS(SYS_getpgid, pid, 0, 0, 0, 0, 0); }
int setpgid(pid_t pid, pid_t group) { return (int)SYS(SYS_setpgid, pid, group, 0, 0, 0, 0); }
pid_t setsid(void) { return (pid_t)SYS(SYS_setsid, 0, 0, 0, 0, 0, 0); }
int kill(pid_t pid, int number) { return (int)SYS(SYS_kill, pid, number, 0, 0, 0, 0); }
pid_t waitpid(pid_t pid, int *status, int options) { return (pid_t)SYS(SYS_wait4, pid, status, options, 0, 0, 0); }
/// A process of one thread: the kernel's fork is all glibc's does here.
pid_t fork(void) { return (pid_t)SYS(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0); }
int getrlimit(__rlimit_resource_t resource, struct rlimit *limits) {
    return (int)SYS(SYS_prlimit64, 0, resource, 0, limits, 0, 0);
}
int setrlimit(__rlimit_resource_t resource, const struct rlimit *limits) {
    return (int)SYS(SYS_prlimit64, 0, resource, limits, 0, 0, 0);
}
int fcntl(int fd, int command, ...) {
    va_list list;
    va_start(list, command);
    long argument = va_arg(list, long);
    va_end(list);
    return (int)SYS(SYS_fcntl, fd, command, argument, 0, 0, 0);
}
int ioctl(int fd, unsigned long request, ...) {
    va_list list;
    va_start(list, request);
    long argument = va_arg(list, long);
    va_end(list);
    return (int)SYS(SYS_ioctl, fd, request, argument, 0, 0, 0);
}
int tcsetpgrp(int fd, pid_t group) { return ioctl(fd, TIOCSPGRP, &group); }

_Noreturn void _exit(int status) {
    for (;;) raw_syscall6(SYS_exit_group, status, 0, 0, 0, 0, 0);
}
/// No atexit handlers, no stdio to flush.
_Noreturn void exit(int status) { _exit(status); }

// MARK: - Signals

/// The kernel's signal set: 64 signals, 8 bytes (glibc's sigset_t starts with them).
enum { kernel_set_bytes = 8 };

int sigemptyset(sigset_t *set) {
    memset(set, 0, sizeof *set);
    return 0;
}
int sigaddset(sigset_t *set, int number) {
    if (number < 1 || number > 64) {
        error_number = EINVAL;
        return -1;
    }
    ((unsigned long *)set)[0] |= 1UL << (number - 1);
    return 0;
}
int sigprocmask(int how, const sigset_t *set, sigset_t *old) {
    return (int)SYS(SYS_rt_sigprocmask, how, set, old, kernel_set_bytes, 0, 0);
}
int pthread_sigmask(int how, const sigset_t *set, sigset_t *old) {
    return sigprocmask(how, set, old) == 0 ? 0 : error_number;
}
int sigwaitinfo(const sigset_t *set, siginfo_t *info) {
    return (int)SYS(SYS_rt_sigtimedwait, set, info, 0, kernel_set_bytes, 0, 0);
}
/// The kernel's `struct sigaction`: handler, flags, restorer, mask.
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};
/// SIG_DFL and SIG_IGN only: a handler would need a restorer, and the helper installs none.
__sighandler_t signal(int number, __sighandler_t handler) {
    if (handler != SIG_DFL && handler != SIG_IGN) {
        error_number = EINVAL;
        return SIG_ERR;
    }
    struct kernel_sigaction action = {handler, 0, 0, 0}, old = {0, 0, 0, 0};
    if (SYS(SYS_rt_sigaction, number, &action, &old, kernel_set_bytes, 0, 0) != 0) return SIG_ERR;
    return old.handler;
}
/// glibc keeps 32 and 33 for itself; the others agree on these numbers.
int __libc_current_sigrtmin(void) { return 34; }
int __libc_current_sigrtmax(void) { return 64; }

// MARK: - Directories (getdents64's records are glibc's `struct dirent` on x86-64)

struct __dirstream {
    int fd;
    int offset;
    int filled;
    char buffer[32768] __attribute__((aligned(8)));
};

DIR *opendir(const char *path) {
    int fd = (int)SYS(SYS_openat, AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, 0, 0);
    if (fd < 0) return NULL;
    DIR *directory = malloc(sizeof *directory);
    if (!directory) {
        close(fd);
        error_number = ENOMEM;
        return NULL;
    }
    directory->fd = fd;
    directory->offset = 0;
    directory->filled = 0;
    return directory;
}
struct dirent *readdir(DIR *directory) {
    if (directory->offset >= directory->filled) {
        long count = SYS(SYS_getdents64, directory->fd, directory->buffer, sizeof directory->buffer, 0, 0, 0);
        if (count <= 0) return NULL;
        directory->filled = (int)count;
        directory->offset = 0;
    }
    struct dirent *entry = (struct dirent *)(directory->buffer + directory->offset);
    directory->offset += entry->d_reclen;
    return entry;
}
int dirfd(DIR *directory) { return directory->fd; }
int closedir(DIR *directory) {
    int result = close(directory->fd);
    free(directory);
    return result;
}

// MARK: - Memory

/// Small blocks are cut from an arena and never given back (the helper makes one per
/// argument and variable, once); a block of 64 KiB or more is mapped on its own and
/// unmapped when freed (a command block of up to 64 MiB). An arena block has one word
/// before it, 0; a mapped one has its mapping's length there and its start before that.
/// One `mmap` per block cost 0.3 ms of system calls and page faults for an ordinary
/// environment; a 64-byte header per arena block, 2.7 times glibc's memory for an
/// environment of 330,000 variables, held by a session leader for the command's life
/// (hostile pass, round 13).
enum { mapped_header_bytes = 64, arena_bytes = 1 << 20, own_mapping_bytes = 1 << 16 };

static char first_arena[arena_bytes] __attribute__((aligned(4096)));
static char *arena = first_arena;
static size_t arena_used;

static void *allocate(size_t size, size_t alignment) {
    if (alignment < 16) alignment = 16;
    if (size > ((size_t)1 << 40) || alignment > 4096) {
        error_number = ENOMEM;
        return NULL;
    }
    if (size < own_mapping_bytes) {
        size_t offset = (arena_used + sizeof(size_t) + alignment - 1) & ~(alignment - 1);
        if (offset + size > arena_bytes) {
            long fresh = SYS(SYS_mmap, 0, arena_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (fresh == -1) {
                error_number = ENOMEM;
                return NULL;
            }
            arena = (char *)fresh;
            offset = (sizeof(size_t) + alignment - 1) & ~(alignment - 1);
        }
        arena_used = offset + size;
        uintptr_t block = (uintptr_t)(arena + offset);
        ((size_t *)block)[-1] = 0;
        return (void *)block;
    }
    if (alignment < mapped_header_bytes) alignment = mapped_header_bytes;
    size_t length = (size + alignment + mapped_header_bytes + 4095) & ~(size_t)4095;
    long start = SYS(SYS_mmap, 0, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (start == -1) {
        error_number = ENOMEM;
        return NULL;
    }
    uintptr_t block = ((uintptr_t)start + mapped_header_bytes + alignment - 1) & ~(uintptr_t)(alignment - 1);
    ((size_t *)block)[-1] = length;
    ((uintptr_t *)block)[-2] = (uintptr_t)start;
    return (void *)block;
}

void *malloc(size_t size) { return allocate(size, 16); }
void free(void *block) {
    if (!block || ((size_t *)block)[-1] == 0) return;
    raw_syscall6(SYS_munmap, (long)((uintptr_t *)block)[-2], (long)((size_t *)block)[-1], 0, 0, 0, 0);
}
int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment % sizeof(void *) != 0) return EINVAL;
    void *block = allocate(size, alignment);
    if (!block) return ENOMEM;
    *result = block;
    return 0;
}

// The compiler's own calls: `rep movsb` and `rep stosb`, which the CPU runs fast for
// any length; byte loops where the direction matters.
void *memcpy(void *restrict to, const void *restrict from, size_t count) {
    void *t = to;
    __asm__ volatile("rep movsb" : "+D"(t), "+S"(from), "+c"(count) : : "memory");
    return to;
}
void *memmove(void *to, const void *from, size_t count) {
    unsigned char *t = to;
    const unsigned char *f = from;
    if (t <= f || t >= f + count) {
        memcpy(to, from, count);
    } else {
        while (count--) t[count] = f[count];
    }
    return to;
}
void *memset(void *to, int value, size_t count) {
    void *t = to;
    __asm__ volatile("rep stosb" : "+D"(t), "+c"(count) : "a"(value) : "memory");
    return to;
}
int memcmp(const void *a, const void *b, size_t count) {
    const unsigned char *x = a, *y = b;
    for (; count; count--, x++, y++) {
        if (*x != *y) return *x < *y ? -1 : 1;
    }
    return 0;
}
int bcmp(const void *a, const void *b, size_t count) { return memcmp(a, b, count); }
size_t strlen(const char *text) {
    const char *end = text;
    while (*end) end++;
    return (size_t)(end - text);
}

/// Embedded Swift's fatal error messages (debug builds), on stdout as glibc's putchar
/// writes them: the helper's socket to agentops-run, which reads them as a helper that
/// failed on the way. Unbuffered: it is written on the way to a trap.
int putchar(int character) {
    unsigned char byte = (unsigned char)character;
    return write(1, &byte, 1) == 1 ? byte : EOF;
}

/// A fault the stack protector found: die as glibc does, by SIGABRT.
_Noreturn void __stack_chk_fail(void) {
    static const char message[] = "agentops-run-exec: stack smashing detected\n";
    raw_syscall6(SYS_write, 2, (long)message, sizeof message - 1, 0, 0, 0);
    signal(SIGABRT, SIG_DFL);
    raw_syscall6(SYS_kill, raw_syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0), SIGABRT, 0, 0, 0, 0);
    _exit(127);
}

// MARK: - Start

/// The thread's control block as x86-64 code reads it through %fs: itself at 0, the
/// stack protector's canary at 0x28.
static uintptr_t thread_block[8] __attribute__((aligned(64)));

int agentops_run_exec_main(int argc, char **argv);

/// Called by `_start` with the kernel's initial stack: argc, argv, NULL, envp, NULL, auxv.
__attribute__((used, noreturn)) static void start(long *stack) {
    int argc = (int)stack[0];
    char **argv = (char **)(stack + 1);
    char **envp = argv + argc + 1;
    while (*envp) envp++;
    uintptr_t canary = 0;
    for (Elf64_auxv_t *aux = (Elf64_auxv_t *)(envp + 1); aux->a_type != AT_NULL; aux++) {
        if (aux->a_type == AT_RANDOM) memcpy(&canary, (const void *)aux->a_un.a_val, sizeof canary);
    }
    // As glibc: the low byte zero, so a string copy cannot reproduce it.
    canary &= ~(uintptr_t)0xff;
    thread_block[0] = (uintptr_t)thread_block;
    thread_block[5] = canary;
    raw_syscall6(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, (long)thread_block, 0, 0, 0, 0);
    _exit(agentops_run_exec_main(argc, argv));
}

__asm__(".text\n"
        ".global _start\n"
        ".type _start,@function\n"
        "_start:\n"
        "    xor %rbp, %rbp\n"
        "    mov %rsp, %rdi\n"
        "    and $-16, %rsp\n"
        "    call start\n"
        "    hlt\n");

#endif
