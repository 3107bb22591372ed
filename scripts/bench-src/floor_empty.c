// An empty C program: linked static against glibc (what glibc's start-up costs alone),
// or with -nostdlib -DNO_LIBC and nothing but this `_start` (what an exec costs).
#ifdef NO_LIBC
void _start(void) { __asm__ volatile("mov $231, %eax\n xor %edi, %edi\n syscall"); }
#else
int main(void) { return 0; }
#endif
