// The exec helper's own C library (ExecRuntime+Linux.c says why). Nothing to import:
// the helper calls these through glibc's declarations (CExecSystem); this target only
// supplies the definitions it is linked with.
#ifndef AGENTOPS_C_EXEC_RUNTIME_H
#define AGENTOPS_C_EXEC_RUNTIME_H
#endif
