#!/usr/bin/env bash
# Counts, for one `sandbox run --profile strict DIR -- /bin/true`, the Swift runtime's
# full scans of the binary's protocol conformance records (each visit of one record is one
# uprobe hit; 4,138 hits are one scan) and its metadata lookups by mangled name, grouped by
# the first two frames of our own code. A generic call the compiler did not specialize
# (`joined`, `String + Substring`, ...) shows here: its first use scans every record.
#
#   scripts/startup-scans.sh [SANDBOX]     (root, perf, tracefs uprobes; default: the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
B=$(realpath "${1:-.build/release/sandbox}")
T=/sys/kernel/tracing
command -v perf >/dev/null || { echo "startup-scans: needs perf (apt-get install linux-perf)" >&2; exit 1; }
offset() {  # file offset of a symbol in the non-PIE static binary (loaded at 0x400000)
    printf '0x%x' $(( 0x$(nm "$B" | grep -F " $1" | head -1 | cut -d' ' -f1) - 0x400000 ))
}
scan='_ZZZL52swift_conformsToProtocolMaybeInstantiateSuperclassesPKN5swift14TargetMetadataINS_9InProcessEEEPKNS_24TargetProtocolDescriptorIS1_EEbENK3$_2clERKN12_GLOBAL__N_118ConformanceSectionEENKUlRKNS_35TargetProtocolConformanceDescriptorIS1_EEE_clESH_'
echo "p:sbxscan/record $B:$(offset "$scan")" >> $T/uprobe_events
echo "p:sbxscan/mangled $B:$(offset 'T swift_getTypeByMangledName')" >> $T/uprobe_events
trap 'echo "-:sbxscan/record" >> $T/uprobe_events; echo "-:sbxscan/mangled" >> $T/uprobe_events; rm -rf "$DIR" "$OUT"' EXIT
DIR=$(mktemp -d /tmp/sandbox-scans.XXXXXX); OUT=$(mktemp -d /tmp/sandbox-scans-out.XXXXXX)
perf record -q -e sbxscan:record -e sbxscan:mangled -g -o "$OUT/perf.data" -- "$B" run --profile strict "$DIR" -- /bin/true
perf script -i "$OUT/perf.data" 2>/dev/null | python3 -c '
import collections, sys
records, mangled = collections.Counter(), collections.Counter()
for sample in sys.stdin.read().split("\n\n"):
    lines = [l.strip() for l in sample.strip().split("\n") if l.strip()]
    if not lines: continue
    frames = [l.split(None, 1)[1].rsplit(" (", 1)[0] for l in lines[1:] if " " in l]
    ours = [f for f in frames if "Sandbox" in f or "7sandbox" in f]
    key = " <- ".join(f[:100] for f in ours[:2]) or "(runtime start)"
    (records if "sbxscan:record" in lines[0] else mangled)[key] += 1
print(f"conformance record visits: {sum(records.values())} ({sum(records.values()) / 4138:.1f} full scans)")
for k, v in records.most_common(10): print(f"  {v:6d}  {k}")
print(f"metadata lookups by mangled name: {sum(mangled.values())}")
for k, v in mangled.most_common(10): print(f"  {v:6d}  {k}")
'
