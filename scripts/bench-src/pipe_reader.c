/* What the way of waiting costs a reader of `seq 1 20000000` (issue 18, 20 M lines): the
 * pump's poll(2) on three descriptors, epoll_wait(2) on the same three, or a blocking
 * read(2), each followed by one read of up to 256 KiB from a 1 MiB pipe and its write
 * to stdout, as agentops-run passes output through (no recording). With OFFSET, the
 * buffer starts OFFSET bytes into a page (default 0, page-aligned): the kernel's copy
 * from the pipe's pages is slower when each byte does not land at its offset within a
 * page (round 10: malloc's 256 KiB block starts 16 bytes into one).
 * `pause` is `poll` as the pump reads pipes since round 14: 32 KiB at a time, and after a
 * read of 4 KiB or more that emptied the pipe, 0.2 ms asleep before the next poll, so that
 * seq is not woken at every write (`pause256`: the same with 256 KiB reads).
 * Usage: pipe_reader poll|epoll|read|pause|pause256 [OFFSET] — prints "<mode>[+OFFSET] <wall ms>
 * <reader CPU ms> <seq CPU ms> <wakes> <average bytes per read>" on stderr. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double ms(struct timeval t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; }

int main(int argc, char **argv) {
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: pipe_reader poll|epoll|read|pause|pause256 [OFFSET]\n");
        return 2;
    }
    int offset = argc == 3 ? atoi(argv[2]) : 0;
    if (offset < 0 || offset > 4095) { fprintf(stderr, "OFFSET: 0 to 4095\n"); return 2; }
    int pausing = strncmp(argv[1], "pause", 5) == 0;
    int mode = strcmp(argv[1], "poll") == 0 || pausing ? 0 : strcmp(argv[1], "epoll") == 0 ? 1 : 2;
    int out[2], err[2], wake[2];
    if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(wake, O_CLOEXEC)) { perror("pipe"); return 1; }
    fcntl(out[0], F_SETPIPE_SZ, 1 << 20);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], 1);
        dup2(err[1], 2);
        execlp("seq", "seq", "1", "20000000", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    static char pages[(1 << 18) + 4096] __attribute__((aligned(4096)));
    char *buffer = pages + offset;
    const size_t size = strcmp(argv[1], "pause") == 0 ? 1 << 15 : 1 << 18;
    int fds[3] = {out[0], err[0], wake[0]};
    int ep = -1;
    if (mode == 1) {
        ep = epoll_create1(EPOLL_CLOEXEC);
        for (int i = 0; i < 3; i++) {
            struct epoll_event event = {.events = EPOLLIN, .data.u32 = i};
            epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &event);
        }
    }
    long wakes = 0, total = 0;
    for (;;) {
        if (mode == 0) {
            struct pollfd set[3] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}, {fds[2], POLLIN, 0}};
            poll(set, 3, -1);
        } else if (mode == 1) {
            struct epoll_event events[3];
            epoll_wait(ep, events, 3, -1);
        }
        wakes++;
        ssize_t n = read(out[0], buffer, size);
        if (n <= 0) break;
        total += n;
        if (write(1, buffer, n) != n) break;
        if (pausing && n >= 4096 && (size_t)n < size) {
            struct timespec pause = {0, 200000};
            nanosleep(&pause, NULL);
        }
    }
    int status;
    struct rusage child, self;
    wait4(pid, &status, 0, &child);
    clock_gettime(CLOCK_MONOTONIC, &end);
    getrusage(RUSAGE_SELF, &self);
    char name[32];
    snprintf(name, sizeof name, offset ? "%s+%d" : "%s", argv[1], offset);
    fprintf(stderr, "%s %.1f %.1f %.1f %ld %.0f\n", name,
            (end.tv_sec - start.tv_sec) * 1e3 + (end.tv_nsec - start.tv_nsec) / 1e6,
            ms(self.ru_utime) + ms(self.ru_stime), ms(child.ru_utime) + ms(child.ru_stime), wakes,
            (double)total / wakes);
    return 0;
}
