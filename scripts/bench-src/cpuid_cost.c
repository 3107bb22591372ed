// What one CPUID instruction costs here, against RDTSC: on a VM each CPUID traps to the
// hypervisor, and glibc's start-up runs dozens (its CPU features and cache sizes).
#include <cpuid.h>
#include <stdio.h>
#include <time.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(void) {
    unsigned a, b, c, d, lo, hi;
    enum { count = 2000 };
    double start = now_us();
    for (int i = 0; i < count; i++) __cpuid_count(4, i & 3, a, b, c, d);
    double cpuid = (now_us() - start) / count;
    start = now_us();
    for (int i = 0; i < count; i++) __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    double rdtsc = (now_us() - start) / count;
    printf("one CPUID instruction: %.2f µs (RDTSC: %.3f µs)\n", cpuid, rdtsc);
    return 0;
}
