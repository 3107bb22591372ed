#!/bin/sh
# A shell "agent": a few steps, one failing check, and a non-zero exit when asked.
#
#   agentops-run --tag shell -- sh examples/shell_agent.sh
#   agentops-run -- sh examples/shell_agent.sh --fail     # session ends Fail, exit 3
#
# Under agentops-run, stdout lines are recorded as actions and stderr lines as errors
# of the session in $AGENTOPS_SESSION_ID. A nested agentops-run joins that session.
set -u

echo "shell-agent: session ${AGENTOPS_SESSION_ID:-(not recorded)}"
echo "shell-agent: listing the workspace"
ls -1 | head -n 3
echo "shell-agent: checking for a config file"
if [ ! -f agent.toml ]; then
    echo "shell-agent: no agent.toml here, using defaults" >&2
fi
sleep 0.2
echo "shell-agent: done"
if [ "${1:-}" = "--fail" ]; then
    echo "shell-agent: failing on purpose" >&2
    exit 3
fi
