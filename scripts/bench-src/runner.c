/* Times commands side by side: each round runs every command once, in turn, so slow
 * phases of a noisy machine hit all of them alike. Prints one line per run:
 * "<command index> <wall ns> <peak RSS KiB of the command's process>".
 * Usage: runner ROUNDS SPECFILE [--cpu] — one command per line, arguments separated by
 * \x1f. Each command's stdout goes to /dev/null; stdin is /dev/null. With --cpu a fourth
 * column: the CPU time (user + system, µs) of the command and of the processes it waited
 * for (wait4 counts those in).
 * Each command starts with only descriptors 0-2 open, as from a terminal: whatever else
 * the benchmark's own shell holds (a CI harness's pipes, here fds 10 and 251) would
 * otherwise be inherited, and Foundation's spawn adds a close action for every number
 * up to the highest open one, in the bare launch and in agentops-run alike. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc != 3 && !(argc == 4 && strcmp(argv[3], "--cpu") == 0)) {
        fprintf(stderr, "usage: runner ROUNDS SPECFILE [--cpu]\n");
        return 2;
    }
    int cpu = argc == 4;
    int rounds = atoi(argv[1]);
    FILE *spec = fopen(argv[2], "r");
    if (!spec) { perror(argv[2]); return 2; }
    char *commands[64][64];
    int count = 0;
    char *line = NULL;
    size_t cap = 0;
    while (count < 64 && getline(&line, &cap, spec) > 0) {
        line[strcspn(line, "\n")] = 0;
        int n = 0;
        for (char *arg = strtok(strdup(line), "\x1f"); arg && n < 63; arg = strtok(NULL, "\x1f")) commands[count][n++] = arg;
        commands[count][n] = NULL;
        count++;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    for (int round = 0; round < rounds; round++) {
        for (int c = 0; c < count; c++) {
            struct timespec start, end;
            pid_t pid;
            clock_gettime(CLOCK_MONOTONIC, &start);
            if (posix_spawnp(&pid, commands[c][0], &actions, NULL, commands[c], environ) != 0) { perror("spawn"); return 1; }
            int status;
            struct rusage usage;
            wait4(pid, &status, 0, &usage);
            clock_gettime(CLOCK_MONOTONIC, &end);
            long long ns = (end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
            if (cpu) {
                long long us = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000LL
                    + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
                printf("%d %lld %ld %lld\n", c, ns, usage.ru_maxrss, us);
            } else {
                printf("%d %lld %ld\n", c, ns, usage.ru_maxrss);
            }
            fflush(stdout);
        }
    }
    return 0;
}
