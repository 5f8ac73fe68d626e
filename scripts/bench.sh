#!/usr/bin/env bash
# Benchmarks, each side by side in one session, alternating runs, medians and ratios:
#  1. startup: `sandbox run --profile strict DIR -- /bin/true` against bubblewrap with the
#     closest equivalent isolation and the same seccomp filter (target: ratio <= 1.0);
#  2. a syscall-heavy loop (1,000,000 stat of /usr) bare against under strict (target: < 10%).
#
#   scripts/bench.sh [RUNS]            (default 200; needs root, bwrap, gcc, a release build)
#   scripts/bench.sh --stages [RUNS]   where sandbox's own startup goes: median ms per stage
#                                      (SANDBOX_TRACE_STARTUP, see StartupTrace.swift)
#   SANDBOX_BASELINE=PATH scripts/bench.sh [RUNS]
#                                      also alternates an older `sandbox` binary (a change's
#                                      saving, measured side by side in the same session)
#
# The bwrap command below is what "equivalent" means here: the same namespaces (user, mount,
# pid, net, uts, ipc, cgroup), the same read-only system directories, merged-usr links, a
# minimal /dev, a fresh /proc, private /tmp and home tmpfs, the directory bound read-write as
# the working directory, hostname, cleared environment, every capability dropped, a new
# session, die-with-parent, and the strict profile's own compiled seccomp filter
# (`sandbox profile bpf strict`, handed to bwrap with --seccomp). Differences, stated:
# sandbox additionally idmaps a root-owned worktree, masks /proc paths, runs its own PID-1
# init, reports denials through seccomp user notification, and on a cgroup v2 host places the
# run in its own cgroup.
set -euo pipefail
cd "$(dirname "$0")/.."
STAGES=
if [ "${1:-}" = --stages ]; then STAGES=1; shift; fi
RUNS=${1:-200}
# The release build as setup.sh makes it (up to date: a few seconds); SANDBOX=PATH skips it.
if [ -z "${SANDBOX:-}" ]; then scripts/build-release.sh >&2; SANDBOX=.build/release/sandbox; fi
command -v bwrap >/dev/null || { echo "bench: bwrap is not installed (apt-get install bubblewrap)" >&2; exit 1; }
DIR=$(mktemp -d /tmp/sandbox-bench.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
"$SANDBOX" profile bpf strict > "$DIR/strict.bpf"
printf '#include <sys/stat.h>\nint main(void){struct stat st;for(long i=0;i<1000000;i++)stat("/usr",&st);return 0;}\n' > "$DIR/loop.c"
gcc -O2 -o "$DIR/stat-loop" "$DIR/loop.c"

SANDBOX_CMD=("$SANDBOX" run --profile strict "$DIR" -- /bin/true)

if [ -n "$STAGES" ]; then
    echo "stages of: ${SANDBOX_CMD[*]} ($RUNS runs; ms since the previous stage, medians)"
    python3 - "$RUNS" "${SANDBOX_CMD[@]}" <<'PY'
import collections, os, statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
stages = collections.defaultdict(list)
order = []
for _ in range(runs):
    env = dict(os.environ, SANDBOX_TRACE_STARTUP=str(time.monotonic_ns()))  # spawn time: "main" includes exec
    p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    line = [l for l in p.stderr.decode().splitlines() if l.startswith("startup-trace:")][-1]
    for item in line.split()[1:]:
        name, ms = item.split("=")
        if name not in order:
            order.append(name)
        stages[name].append(float(ms))
for name in order:
    print(f"{name:16s} {statistics.median(stages[name]):7.3f}")
PY
    exit 0
fi
BWRAP_CMD=(bwrap --unshare-all --die-with-parent --new-session
    --ro-bind /usr /usr --ro-bind /etc /etc --ro-bind-try /opt /opt
    --symlink usr/bin /bin --symlink usr/sbin /sbin --symlink usr/lib /lib --symlink usr/lib64 /lib64
    --dev /dev --proc /proc --tmpfs /tmp --tmpfs /home/sandbox
    --bind "$DIR" "$DIR" --chdir "$DIR" --hostname sandbox
    --clearenv --setenv PATH /usr/bin:/bin --cap-drop ALL --seccomp 3 /bin/true)

echo "sandbox: ${SANDBOX_CMD[*]}"
echo "bwrap:   ${BWRAP_CMD[*]}"
echo "bwrap gets the filter on fd 3: 3< $DIR/strict.bpf"
BASELINE_CMD=()
if [ -n "${SANDBOX_BASELINE:-}" ]; then
    BASELINE_CMD=("$SANDBOX_BASELINE" run --profile strict "$DIR" -- /bin/true)
    echo "baseline: ${BASELINE_CMD[*]}"
fi
python3 - "$RUNS" "$DIR/strict.bpf" "${#SANDBOX_CMD[@]}" "${#BASELINE_CMD[@]}" "${SANDBOX_CMD[@]}" "${BASELINE_CMD[@]}" "${BWRAP_CMD[@]}" <<'PY'
import os, statistics, subprocess, sys, time
runs, bpf, n, m = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
a, base, b = sys.argv[5:5 + n], sys.argv[5 + n:5 + n + m], sys.argv[5 + n + m:]
def once(cmd):
    fd = os.open(bpf, os.O_RDONLY)  # bwrap reads its filter from fd 3 (sandbox ignores it)
    if fd != 3:
        os.dup2(fd, 3, inheritable=True)
        os.close(fd)
    os.set_inheritable(3, True)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, pass_fds=(3,))
    elapsed = (time.perf_counter() - t) * 1000
    os.close(3)
    return elapsed
for cmd in (a, base, b):  # warm the page cache
    if cmd:
        once(cmd)
ta, tbase, tb = [], [], []
for _ in range(runs):  # alternate, so drift hits all alike
    ta.append(once(a))
    if base:
        tbase.append(once(base))
    tb.append(once(b))
ma, mb = statistics.median(ta), statistics.median(tb)
print(f"runs: {runs} each, alternating")
print(f"sandbox median: {ma:.2f} ms (p10 {sorted(ta)[runs // 10]:.2f}, p90 {sorted(ta)[runs * 9 // 10]:.2f})")
if base:
    mbase = statistics.median(tbase)
    print(f"baseline median: {mbase:.2f} ms (p10 {sorted(tbase)[runs // 10]:.2f}, p90 {sorted(tbase)[runs * 9 // 10]:.2f}); ratio baseline/bwrap: {mbase / mb:.2f}")
print(f"bwrap   median: {mb:.2f} ms (p10 {sorted(tb)[runs // 10]:.2f}, p90 {sorted(tb)[runs * 9 // 10]:.2f})")
print(f"ratio sandbox/bwrap: {ma / mb:.2f}")
PY

echo
echo "syscall loop: $DIR/stat-loop (1,000,000 stat), bare vs sandbox run --profile strict"
python3 - "$SANDBOX" "$DIR" <<'PY'
import statistics, subprocess, sys, time
sandbox, d = sys.argv[1], sys.argv[2]
bare = [d + "/stat-loop"]
boxed = [sandbox, "run", "--quiet", "--profile", "strict", d, "--", d + "/stat-loop"]
def once(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL)
    return (time.perf_counter() - t) * 1000
once(bare); once(boxed)
ta, tb = [], []
for _ in range(21):  # each ~1 s; this VM's drift needs more than a handful
    ta.append(once(bare))
    tb.append(once(boxed))
ma, mb = statistics.median(ta), statistics.median(tb)
print(f"bare median: {ma:.1f} ms; strict median: {mb:.1f} ms (includes the sandbox's startup)")
print(f"slowdown: {(mb / ma - 1) * 100:.1f}% (of the fastest runs: {(min(tb) / min(ta) - 1) * 100:.1f}%)")
PY
