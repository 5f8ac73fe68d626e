#!/usr/bin/env bash
# Installs what the tests need (Debian/Ubuntu, as root), builds, and runs every test.
# Privileged tests run for real as root and skip, with the reason, where the host cannot
# do what they test.
#
#   scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# nodejs: StrictPolicyRunTests runs `node -e` under strict.
PACKAGES=(libseccomp-dev libcap-dev pkg-config git bubblewrap python3 make gcc nodejs)

if [ "$(id -u)" = 0 ]; then
    missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "test: apt-get install ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
fi

swift build --build-tests
swift test --skip-build

# The release binary as setup.sh builds it (statically linked), run once for real: the
# README's quick start depends on that build, which the tests above do not use.
scripts/build-release.sh
smoke=$(mktemp -d /tmp/sandbox-smoke.XXXXXX)
.build/release/sandbox run --profile strict "$smoke" -- sh -c 'echo ok > smoke.txt'
grep -qx ok "$smoke/smoke.txt" || { echo "test: the release binary's smoke run wrote nothing" >&2; exit 1; }
rm -rf "$smoke"
echo "test: release build smoke run passed"

# The cgroup v2 backend, for real, in a VM (this host's cgroups may be v1 or hybrid).
if [ "$(id -u)" = 0 ]; then
    scripts/test-v2.sh
else
    echo "test: the cgroup v2 VM leg (scripts/test-v2.sh) needs root to install qemu and fetch its kernel; NOT RUN" >&2
fi
