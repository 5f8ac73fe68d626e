#!/usr/bin/env bash
# Installs what the tests need (Debian/Ubuntu, as root), builds, and runs every test.
# Privileged tests run for real as root and skip, with the reason, where the host cannot
# do what they test.
#
#   scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(libseccomp-dev libcap-dev pkg-config git bubblewrap python3 make gcc)

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
