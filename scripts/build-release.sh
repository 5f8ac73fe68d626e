#!/usr/bin/env bash
# Builds the release `sandbox` as one statically linked executable (Swift runtime, glibc,
# libseccomp, libcap): .build/release/sandbox.
#
#   scripts/build-release.sh
#
# Why static: `sandbox run` wraps every command an agent runs. Linked dynamically, the
# loader spent ~1.5 ms of each start mapping seven libraries, applying ~41,000 relocations
# and resolving symbols (perf: ld.so 9% of a run; spawn to `main` 2.4 ms, static 0.9 ms).
# It also means no LD_PRELOAD or LD_LIBRARY_PATH can put code into a runner started as root.
# The cost: the executable is not position-independent (static-pie fails in glibc 2.36's
# self-relocation here), as runc's static Go binary is not; the runner's own code is
# Swift, with a small C part that handles no untrusted bytes.
# Needs the static libraries from libc6-dev, libseccomp-dev and libcap-dev (setup.sh
# installs them). SANDBOX_DYNAMIC=1 builds the dynamically linked binary instead.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-Xswiftc -static-executable)
[ "${SANDBOX_DYNAMIC:-}" = 1 ] && flags=()
# Concrete generic metadata through its accessor functions instead of by mangled name: the
# runtime no longer demangles ~100 type names and scans the 4,000 protocol conformance
# records for their requirements on every start (169 -> 72 lookups, 7 -> 2 scans; -0.25 ms).
flags+=(-Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors)
# SwiftPM does not relink when only linker flags change: a binary of the other kind stays.
rm -f .build/release/sandbox
# pipefail reports swift's status; grep finding nothing to print is not a failure.
swift build -c release --static-swift-stdlib --product sandbox "${flags[@]}" 2>&1 \
    | { grep -v "statically linked applications requires at runtime the shared libraries" || true; } >&2
[ -x .build/release/sandbox ] || { echo "build-release: the build failed (see above)" >&2; exit 1; }
