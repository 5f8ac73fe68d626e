#!/usr/bin/env bash
# Startup benchmark: `sandbox run --profile strict DIR -- /bin/true` against bubblewrap with
# the closest equivalent isolation, alternating runs in one session; prints the median of
# each and the ratio (sandbox / bwrap). Target: ratio <= 1.0.
#
#   scripts/bench.sh [RUNS]        (default 200; needs root, bwrap, a release build)
#
# The bwrap command below is what "equivalent" means here: the same namespaces (user, mount,
# pid, net, uts, ipc, cgroup), the same read-only system directories, merged-usr links, a
# minimal /dev, a fresh /proc, private /tmp and home tmpfs, the directory bound read-write as
# the working directory, hostname, cleared environment, every capability dropped, a new
# session, die-with-parent. Differences, stated: sandbox additionally idmaps a root-owned
# worktree, masks /proc paths, runs its own PID-1 init and loads its baseline seccomp filter;
# bwrap is given no seccomp filter here.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-200}
SANDBOX=${SANDBOX:-.build/release/sandbox}
[ -x "$SANDBOX" ] || swift build -c release --static-swift-stdlib --product sandbox >&2
command -v bwrap >/dev/null || { echo "bench: bwrap is not installed (apt-get install bubblewrap)" >&2; exit 1; }
DIR=$(mktemp -d /tmp/sandbox-bench.XXXXXX)
trap 'rm -rf "$DIR"' EXIT

SANDBOX_CMD=("$SANDBOX" run --profile strict "$DIR" -- /bin/true)
BWRAP_CMD=(bwrap --unshare-all --die-with-parent --new-session
    --ro-bind /usr /usr --ro-bind /etc /etc --ro-bind-try /opt /opt
    --symlink usr/bin /bin --symlink usr/sbin /sbin --symlink usr/lib /lib --symlink usr/lib64 /lib64
    --dev /dev --proc /proc --tmpfs /tmp --tmpfs /home/sandbox
    --bind "$DIR" "$DIR" --chdir "$DIR" --hostname sandbox
    --clearenv --setenv PATH /usr/bin:/bin --cap-drop ALL /bin/true)

echo "sandbox: ${SANDBOX_CMD[*]}"
echo "bwrap:   ${BWRAP_CMD[*]}"
python3 - "$RUNS" "${#SANDBOX_CMD[@]}" "${SANDBOX_CMD[@]}" "${BWRAP_CMD[@]}" <<'PY'
import statistics, subprocess, sys, time
runs, n = int(sys.argv[1]), int(sys.argv[2])
a, b = sys.argv[3:3 + n], sys.argv[3 + n:]
def once(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL)
    return (time.perf_counter() - t) * 1000
for cmd in (a, b):  # warm the page cache
    once(cmd)
ta, tb = [], []
for _ in range(runs):  # alternate, so drift hits both alike
    ta.append(once(a))
    tb.append(once(b))
ma, mb = statistics.median(ta), statistics.median(tb)
print(f"runs: {runs} each, alternating")
print(f"sandbox median: {ma:.2f} ms (p10 {sorted(ta)[runs // 10]:.2f}, p90 {sorted(ta)[runs * 9 // 10]:.2f})")
print(f"bwrap   median: {mb:.2f} ms (p10 {sorted(tb)[runs // 10]:.2f}, p90 {sorted(tb)[runs * 9 // 10]:.2f})")
print(f"ratio sandbox/bwrap: {ma / mb:.2f}")
PY
