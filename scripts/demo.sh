#!/usr/bin/env bash
# The quick-start demo: builds and installs `sandbox` (scripts/setup.sh), makes a demo git
# repository with a linked worktree `worker-api` under /tmp, and runs a command in it under
# the strict profile, then shows the JSON report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
DEMO=$(mktemp -d /tmp/sandbox-demo.XXXXXX)
git init -q -b main "$DEMO/repo"
git -C "$DEMO/repo" -c user.name=demo -c user.email=demo@example.invalid commit -q --allow-empty -m "initial commit"
git -C "$DEMO/repo" worktree add -q -b worker-api "$DEMO/worker-api"
echo "demo: repository $DEMO/repo, worktree $DEMO/worker-api"
cd "$DEMO/repo"
set +e
sandbox run --profile strict --report "$DEMO/report.json" worker-api -- sh -c '
    echo "inside: $(id -un) uid=$(id -u) on host $(hostname), pid $$"
    echo "network interfaces: $(ls /sys/class/net 2>/dev/null || cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d " ")"
    echo "hello from the sandbox" > hello.txt && git status --short
    cat /etc/shadow 2>&1 | head -1
    touch /usr/escape 2>&1 || echo "(refused, as it should be)"'
status=$?
set -e
echo "demo: sandbox exited with $status; report:"
cat "$DEMO/report.json"
echo "demo: on the host, $DEMO/worker-api/hello.txt is owned by $(stat -c %U "$DEMO/worker-api/hello.txt")"
