#!/usr/bin/env bash
# Runs the cgroup tests again inside a pure cgroup v2 VM (scripts/vm-test.sh) with the test
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
export SANDBOX_EXPECT_CGROUP_MODE=v2
export SANDBOX_VM_ENV="SANDBOX_EXPECT_CGROUP_MODE ${SANDBOX_TEST_SEQUENTIAL_RUNS:+SANDBOX_TEST_SEQUENTIAL_RUNS}"
exec scripts/vm-test.sh "$SCRATCH/debug/sandboxPackageTests.xctest" \
    --testing-library swift-testing --filter 'CgroupPrivilegedTests|LimitsTests|TimeoutTests'
