#!/usr/bin/env bash
# Installs what `sandbox` needs on Debian/Ubuntu, builds the release binary (Swift standard
# library linked statically) and installs it as /usr/local/bin/sandbox. Idempotent.
#
#   scripts/setup.sh            # then: sandbox run --profile strict DIR -- COMMAND
#
# Needs root (apt-get, install). Swift 6 must be on PATH (https://swift.org/install).
set -euo pipefail
cd "$(dirname "$0")/.."
# libc6-dev, libseccomp-dev and libcap-dev also hold the static libraries the release build links.
PACKAGES=(libc6-dev libseccomp-dev libcap-dev pkg-config git bubblewrap)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: apt-get install ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (need Swift 6)" >&2; exit 1; }

scripts/build-release.sh
install -m 0755 .build/release/sandbox /usr/local/bin/sandbox
echo "setup: installed /usr/local/bin/sandbox"
