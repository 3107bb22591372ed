/* The floor of a pass-through reader for `scripts/bench-lines` (issue 18, 20 M lines):
 * tee's own loop (blocking reads of 8 KiB, each written to stdout) with nothing else, as
 * `seq`'s sibling in a shell pipeline (`seq … | plain_reader`, as tee is) or as its parent
 * (`plain_reader seq …`: a fork and exec, the reader on the pipe's other end, as
 * agentops-run is). Usage: plain_reader [COMMAND ARGS...] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int input = 0;
    pid_t pid = -1;
    if (argc > 1) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC)) { perror("pipe"); return 1; }
        pid = fork();
        if (pid == 0) {
            dup2(fds[1], 1);
            execvp(argv[1], argv + 1);
            _exit(127);
        }
        close(fds[1]);
        input = fds[0];
    }
    static char buffer[8192] __attribute__((aligned(4096)));
    for (;;) {
        ssize_t n = read(input, buffer, sizeof buffer);
        if (n <= 0) break;
        if (write(1, buffer, n) != n) break;
    }
    int status = 0;
    if (pid > 0) waitpid(pid, &status, 0);
    return 0;
}
