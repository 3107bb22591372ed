/* The floor for any wrapper: posix_spawnp the command, wait, exit with its status. */
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc < 2) return 125;
    pid_t pid;
    if (posix_spawnp(&pid, argv[1], NULL, NULL, argv + 1, environ) != 0) { perror(argv[1]); return 127; }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
