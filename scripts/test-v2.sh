#!/usr/bin/env bash
# Runs the cgroup tests and the escape-class suites again inside a pure cgroup v2 VM (scripts/vm-test.sh) with the test
# bundle built here: the development host may be v1 or hybrid, most users run v2, and both
# backends must be tested for real. Fails (never skips) when the VM cannot run.
#
#   scripts/test-v2.sh                 # build, then run the privileged cgroup and limits suites in v2
#   SWIFT_SCRATCH=.build-x scripts/test-v2.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SWIFT_SCRATCH:-.build}
swift build --build-tests --scratch-path "$SCRATCH"
# `swift test` inside the emulated VM takes minutes; the built bundle runs in seconds.
# The guest's /tmp is a tmpfs and its / is 9p, and Debian 12's kernel idmaps neither: the
# suites that sandbox root-owned worktrees get an ext4 scratch file system as TMPDIR.
export SANDBOX_EXPECT_CGROUP_MODE=v2
export SANDBOX_VM_ENV="SANDBOX_EXPECT_CGROUP_MODE ${SANDBOX_TEST_SEQUENTIAL_RUNS:+SANDBOX_TEST_SEQUENTIAL_RUNS}"
BUNDLE="$SCRATCH/debug/sandboxPackageTests.xctest"
# The cgroup, limit and timeout suites and the late-filter checks; the escape classes; the
# isolation, filesystem, network/terminal, process and prepared-namespace suites (XCTest). Not here: the race tests, which need more
# attempts than the emulated VM makes in their time window, and the 200-run suites (minutes
# each under TCG); they run on the host.
exec scripts/vm-test.sh bash -c '
    set -e
    truncate -s 3G /tmp/scratch.img && mkfs.ext4 -q -F /tmp/scratch.img
    mount -o loop /tmp/scratch.img /var/tmp && chmod 1777 /var/tmp
    export TMPDIR=/var/tmp
    "$0" --testing-library swift-testing --filter "CgroupPrivilegedTests|LimitsTests|TimeoutTests|LateFilterTests"
    for suite in EscapeClassTests IsolationTests FilesystemTests NetworkAndTerminalTests ProcessTests PreparedNamespaceTests CPUPlacementTests; do
        "$0" "SandboxIntegrationTests.$suite"
    done' "$BUNDLE"
