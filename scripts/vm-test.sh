#!/bin/bash
# scripts/vm-test.sh [--setup] [--] COMMAND [ARG...]
#
# Runs COMMAND as root inside a throwaway Linux VM whose cgroups are pure cgroup v2 (kernel
# booted with cgroup_no_v1=all, cgroup2 mounted at /sys/fs/cgroup with every controller
# available at the root and nothing else managing them), and exits with COMMAND's status.
# This is how the project tests its cgroup v2 backend on hosts that are v1 or hybrid.
#
# What the guest sees:
#   /             the host's root, read-only over 9p, with a throwaway tmpfs on top (overlay):
#                 the host's toolchains and libraries are there, nothing written reaches the host
#   <project>     this repository, shared READ-WRITE at the same path (host-built binaries and
#                 test bundles run as-is; files written there land on the host)
#   /tmp          a guest tmpfs (TMPDIR): unix sockets and fifos cannot live on 9p
#   stdin         empty
# The kernel is Debian's own package (`apt-get download` + `dpkg -x` into the cache; /boot and
# the host's installed kernels are untouched). The host's cgroups are not touched either.
#
# Exit status: COMMAND's. 125 when the VM itself cannot be prepared, cannot start, or does
# not report COMMAND's status (the reason and the kernel log are printed): never a silent skip.
#
#   scripts/vm-test.sh cat /sys/fs/cgroup/cgroup.controllers
#   scripts/vm-test.sh bash -c 'cd .build/debug && ./sandboxPackageTests.xctest CgroupPrivilegedTests'
#   scripts/vm-test.sh --setup        # install packages, fetch the kernel, build the initramfs
#
# Environment:
#   SANDBOX_VM_CACHE   kernel + initramfs cache (default /var/cache/sandbox-vm as root,
#                      else ~/.cache/sandbox-vm)
#   SANDBOX_VM_MEMORY  guest memory (2G)      SANDBOX_VM_CPUS  guest CPUs (2)
#   SANDBOX_VM_TIMEOUT seconds before the VM is killed and the run fails (1200)
#   SANDBOX_VM_ACCEL   auto|tcg|kvm (auto: KVM only on real VT-x/AMD-V KVM; a paravirtual
#                      /dev/kvm such as kvm_pvm cannot boot a stock kernel, so TCG there)
#   SANDBOX_VM_ENV     names of host variables to pass in (PATH, LANG, TERM, CI always are)
#   SANDBOX_VM_VERBOSE 1: print the kernel log and timings
set -uo pipefail

PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
if [ "$(id -u)" = 0 ]; then DEFAULT_CACHE=/var/cache/sandbox-vm; else DEFAULT_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/sandbox-vm; fi
CACHE=${SANDBOX_VM_CACHE:-$DEFAULT_CACHE}
MEMORY=${SANDBOX_VM_MEMORY:-2G}
CPUS=${SANDBOX_VM_CPUS:-2}
TIMEOUT=${SANDBOX_VM_TIMEOUT:-1200}
ACCEL=${SANDBOX_VM_ACCEL:-auto}
VERBOSE=${SANDBOX_VM_VERBOSE:-0}

say() { echo "vm-test: $*" >&2; }
fail() { say "$*"; exit 125; }

# ---- host packages ---------------------------------------------------------------------

need_packages() {
    local missing=()
    command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
    # A static busybox: it runs in the initramfs before any library is reachable.
    if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then missing+=(busybox-static); fi
    command -v cpio >/dev/null || missing+=(cpio)
    command -v modprobe >/dev/null && command -v depmod >/dev/null || missing+=(kmod)
    command -v dpkg >/dev/null && command -v apt-get >/dev/null || fail "needs Debian's apt-get and dpkg"
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" = 0 ] || fail "missing packages ${missing[*]}: run as root or apt-get install them"
    say "installing ${missing[*]}"
    apt-get update -qq >&2 || fail "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
        || fail "apt-get install ${missing[*]} failed"
}

# ---- guest kernel (Debian's package, unpacked, never installed) ------------------------

kernel_package() {   # the versioned package the metapackage points at, e.g. linux-image-6.1.0-41-amd64
    apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1
}

kernel_dir() { ls -d "$CACHE"/kernel/*/ 2>/dev/null | sort -V | tail -1; }

fetch_kernel() {
    [ -n "$(kernel_dir)" ] && return 0
    local pkg; pkg=$(kernel_package)
    if [ -z "$pkg" ]; then apt-get update -qq >&2; pkg=$(kernel_package); fi
    [ -n "$pkg" ] || fail "cannot tell which package linux-image-amd64 depends on (apt-cache depends)"
    local work; work=$(mktemp -d "$CACHE/download.XXXXXX") || fail "mktemp in $CACHE failed"
    # apt drops privileges to _apt for downloads: let it write here.
    chmod 755 "$work"; chown _apt "$work" 2>/dev/null || true
    say "apt-get download $pkg (unpacked into $CACHE/kernel, not installed)"
    if ! (cd "$work" && apt-get download -qq "$pkg" >&2); then
        apt-get update -qq >&2
        pkg=$(kernel_package)
        (cd "$work" && apt-get download -qq "$pkg" >&2) || { rm -rf "$work"; fail "apt-get download $pkg failed"; }
    fi
    dpkg -x "$work"/*.deb "$work/root" || { rm -rf "$work"; fail "dpkg -x $pkg failed"; }
    local image; image=$(ls "$work"/root/boot/vmlinuz-* 2>/dev/null | head -1)
    [ -n "$image" ] || { rm -rf "$work"; fail "$pkg holds no /boot/vmlinuz-*"; }
    local version=${image##*/vmlinuz-}
    depmod -b "$work/root" "$version" || { rm -rf "$work"; fail "depmod $version failed"; }
    mkdir -p "$CACHE/kernel"
    mv "$work/root" "$CACHE/kernel/$version" && rm -rf "$work"
}

# ---- initramfs -------------------------------------------------------------------------

# PID 1 of the guest (busybox sh). It mounts the host root read-only with a tmpfs overlay,
# the run's I/O directory and the project read-write, cgroup2 alone at /sys/fs/cgroup, then
# switch_root's into the result. switch_root, not chroot: the kernel refuses user namespaces
# to a chrooted process, and the project's integration tests need them.
guest_init() {
    cat <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /host /upper /root.new /vmio
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
die() { echo "vm-init: $*" > /dev/ttyS0; sync; echo o > /proc/sysrq-trigger; sleep 5; }
while read -r m; do insmod "/modules/$m" || echo "vm-init: insmod $m failed" > /dev/ttyS0; done < /modules/order
P9=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o "$P9,ro,cache=loose" hostroot /host || die "cannot mount the host root (9p)"
mount -t 9p -o "$P9" vmio /vmio || die "cannot mount the run directory (9p)"
. /vmio/config
mount -t tmpfs -o mode=0755 upper /upper && mkdir -p /upper/data /upper/work
mount -t overlay -o lowerdir=/host,upperdir=/upper/data,workdir=/upper/work overlay /root.new || die "overlay failed"
R=/root.new
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t cgroup2 -o nsdelegate cgroup2 $R/sys/fs/cgroup || die "cannot mount cgroup2"
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts $R/dev/pts && ln -sf pts/ptmx $R/dev/ptmx
mount -t tmpfs -o mode=1777 shm $R/dev/shm
mount -t tmpfs -o mode=1777 tmp $R/tmp
mount -t tmpfs -o mode=0755 run $R/run
mkdir -p "$R$PROJECT" $R/run/vmio
mount -t 9p -o "$P9" project "$R$PROJECT" || die "cannot mount the project $PROJECT (9p)"
mount --move /vmio $R/run/vmio
# The guest kernel's modules, for modprobe inside (the host's /lib/modules is for its kernel).
mkdir -p $R/lib/modules && ln -sfn "$MODULES" "$R/lib/modules/$(uname -r)"
hostname sandbox-vm
ip link set lo up 2>/dev/null
exec switch_root $R /usr/bin/env -i /bin/bash /run/vmio/stage2 || die "switch_root failed"
INIT
}

build_initramfs() {
    local kdir version; kdir=$(kernel_dir); version=$(basename "$kdir")
    # 9p over virtio, the overlay, the virtio console ports; loop and ext4 so that a test can
    # give the guest an ext4 scratch file system (its tmpfs has no idmapped mounts on 6.1).
    local modules="virtio_pci 9pnet_virtio 9p overlay virtio_console loop ext4"
    local key; key=$( { guest_init; echo "$version $modules"; } | md5sum | cut -c1-12)
    INITRD=$CACHE/initramfs-$key.cpio.gz
    [ -s "$INITRD" ] && return 0
    say "building $INITRD"
    local work; work=$(mktemp -d "$CACHE/initramfs.XXXXXX") || fail "mktemp failed"
    mkdir -p "$work/bin" "$work/modules"
    cp /bin/busybox "$work/bin/busybox"
    guest_init > "$work/init" && chmod 755 "$work/init"
    # The modules with their dependencies in load order. Built-in ones print as "builtin" and
    # are skipped.
    local mod file name
    for mod in $modules; do
        modprobe -d "$kdir" -S "$version" --show-depends "$mod" || fail "modprobe --show-depends $mod failed"
    done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' > "$work/list" || fail "cannot list the guest's modules"
    : > "$work/modules/order"
    while read -r file; do
        name=$(basename "$file")
        case $file in
            *.ko.xz) xz -dc "$file" > "$work/modules/${name%.xz}"; name=${name%.xz} ;;
            *.ko.zst) zstd -qdc "$file" > "$work/modules/${name%.zst}"; name=${name%.zst} ;;
            *) cp "$file" "$work/modules/$name" ;;
        esac
        echo "$name" >> "$work/modules/order"
    done < "$work/list"
    rm "$work/list"
    (cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) > "$INITRD.tmp" || fail "cpio failed"
    mv "$INITRD.tmp" "$INITRD"
    rm -rf "$work"
}

setup() {
    need_packages
    mkdir -p "$CACHE" || fail "cannot create $CACHE"
    # One setup at a time; concurrent runs wait here, then find everything ready.
    exec 8>"$CACHE/.lock"
    flock 8
    fetch_kernel
    build_initramfs
    flock -u 8
    exec 8>&-
}

# ---- run -------------------------------------------------------------------------------

choose_accel() {
    case $ACCEL in
        tcg|kvm) echo "$ACCEL" ;;
        auto)
            if [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
                echo kvm
            else
                echo tcg
            fi ;;
        *) fail "SANDBOX_VM_ACCEL must be auto, tcg or kvm" ;;
    esac
}

if [ "${1:-}" = "--setup" ]; then setup; say "ready: kernel $(basename "$(kernel_dir)"), $INITRD"; exit 0; fi
[ "${1:-}" = "--" ] && shift
[ $# -ge 1 ] || { sed -n '2,40p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 125; }
setup

KDIR=$(kernel_dir)
VERSION=$(basename "$KDIR")
ACCEL_KIND=$(choose_accel)
RUN=$(mktemp -d "$CACHE/run.XXXXXX") || fail "mktemp failed"
trap 'kill $readers 2>/dev/null; rm -rf "$RUN"' EXIT

# What init and stage 2 read from the run directory (shared read-write as tag vmio).
CWD=$PWD
case $CWD in "$PROJECT"|"$PROJECT"/*) ;; *) CWD=$PROJECT ;; esac
{
    printf 'PROJECT=%q\n' "$PROJECT"
    printf 'MODULES=%q\n' "$KDIR/lib/modules/$VERSION"
} > "$RUN/config"
{
    echo 'exec </dev/null'
    echo 'for p in /sys/class/virtio-ports/*; do'
    echo '  case $(cat "$p/name") in vm.out) exec >"/dev/${p##*/}";; vm.err) exec 2>"/dev/${p##*/}";; esac'
    echo 'done'
    for name in PATH LANG TERM CI ${SANDBOX_VM_ENV:-}; do
        [ -n "${!name+x}" ] && printf 'export %s=%q\n' "$name" "${!name}"
    done
    echo 'export HOME=/root TMPDIR=/tmp USER=root LOGNAME=root'
    printf 'if cd %q; then\n' "$CWD"
    printf '  '; printf '%q ' "$@"; echo
    echo '  status=$?'
    echo 'else'
    echo '  echo "vm-test: cannot enter the working directory in the guest" >&2; status=125'
    echo 'fi'
    echo 'echo $status > /run/vmio/status'
    echo 'sync'
    echo 'echo o > /proc/sysrq-trigger'
    echo 'sleep 10'
} > "$RUN/stage2"

# Guest stdout/stderr come back over two virtio serial ports, through fifos, as they happen.
mkfifo "$RUN/out.in" "$RUN/out.out" "$RUN/err.in" "$RUN/err.out" || fail "mkfifo failed"
cat "$RUN/out.out" &
readers=$!
cat "$RUN/err.out" >&2 &
readers="$readers $!"

QEMU=(qemu-system-x86_64 -M q35 -m "$MEMORY" -smp "$CPUS" -nodefaults -no-user-config -display none -no-reboot
      -kernel "$KDIR/boot/vmlinuz-$VERSION" -initrd "$INITRD"
      -append "console=ttyS0 panic=-1 cgroup_no_v1=all $([ "$VERBOSE" = 1 ] || echo quiet)"
      -serial "file:$RUN/console.log"
      -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
      -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
      -fsdev "local,id=project,path=$PROJECT,security_model=none,multidevs=remap"
      -device virtio-9p-pci,fsdev=project,mount_tag=project
      -fsdev "local,id=vmio,path=$RUN,security_model=none"
      -device virtio-9p-pci,fsdev=vmio,mount_tag=vmio
      -device virtio-serial-pci
      -chardev "pipe,id=out,path=$RUN/out" -device virtserialport,chardev=out,name=vm.out
      -chardev "pipe,id=err,path=$RUN/err" -device virtserialport,chardev=err,name=vm.err)
if [ "$ACCEL_KIND" = kvm ]; then QEMU+=(-accel kvm -cpu host); else QEMU+=(-accel tcg,thread=multi -cpu max); fi

[ "$VERBOSE" = 1 ] && say "kernel $VERSION, accel $ACCEL_KIND: ${QEMU[*]}"
started=$SECONDS
timeout -k 5 "$TIMEOUT" "${QEMU[@]}" </dev/null >"$RUN/qemu.log" 2>&1
qemu_status=$?
# qemu held the fifos open until it exited: the readers drain them and see EOF. A reader
# still blocked in open(2) means qemu never started; stop it.
for _ in $(seq 50); do kill -0 $readers 2>/dev/null || break; sleep 0.1; done
kill $readers 2>/dev/null
wait $readers 2>/dev/null
readers=

if [ "$VERBOSE" = 1 ]; then
    say "kernel log:"; cat "$RUN/console.log" >&2
    say "VM ran $((SECONDS - started)) s, qemu exit $qemu_status"
fi
if [ -s "$RUN/status" ]; then
    exit "$(cat "$RUN/status")"
fi
if [ "$qemu_status" = 124 ] || [ "$qemu_status" = 137 ]; then
    say "the VM did not finish within ${TIMEOUT}s (SANDBOX_VM_TIMEOUT) and was killed"
else
    say "the VM failed before COMMAND reported a status (qemu exit $qemu_status)"
fi
[ -s "$RUN/qemu.log" ] && { say "qemu said:"; cat "$RUN/qemu.log" >&2; }
if [ -s "$RUN/console.log" ]; then
    say "kernel log (last 30 lines):"; tail -30 "$RUN/console.log" >&2
else
    say "the kernel printed nothing; rerun with SANDBOX_VM_VERBOSE=1 for its full log"
fi
exit 125
