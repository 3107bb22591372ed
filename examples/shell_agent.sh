#!/bin/sh
# A shell "agent": a few steps, one failing check, and a non-zero exit when asked.
#
#   agentops-run --tag shell -- sh examples/shell_agent.sh
#   agentops-run -- sh examples/shell_agent.sh --fail     # session ends Fail, exit 3
#
# Under agentops-run, stdout lines are recorded as actions and stderr lines as errors
# of the session in $AGENTOPS_SESSION_ID, and `agentops event` records the "LLM call"
# and the tool call below into it. A nested agentops-run joins that session.
set -u

# Record into the session when there is one and agentops is on PATH; run unchanged otherwise.
record() {
    if [ -n "${AGENTOPS_SESSION_ID:-}" ] && command -v agentops >/dev/null 2>&1; then
        agentops "$@"
    fi
}

echo "shell-agent: session ${AGENTOPS_SESSION_ID:-(not recorded)}"
echo "shell-agent: listing the workspace"
ls -1 | head -n 3
echo "shell-agent: checking for a config file"
if [ ! -f agent.toml ]; then
    echo "shell-agent: no agent.toml here, using defaults" >&2
fi
record event tool --name list-workspace --returns "$(ls -1 | wc -l)"
echo "shell-agent: asking the model for a plan"
sleep 0.2
record event llm --model gpt-4o-mini --prompt-tokens 420 --completion-tokens 35 \
    --prompt "plan the next step" --completion "run the tests"   # priced from the table: $0.000084
echo "shell-agent: done"
if [ "${1:-}" = "--fail" ]; then
    echo "shell-agent: failing on purpose" >&2
    record end Fail --reason "asked to fail"
    exit 3
fi
