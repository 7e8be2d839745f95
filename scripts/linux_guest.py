#!/usr/bin/env python3
"""A real Linux guest for the tests: Debian's own kernel (linux-image-amd64)
and a busybox initramfs (busybox-static), fetched with `apt-get download`
and unpacked with `dpkg -x`; nothing is built.  The init prints the kernel
symbols the tests need (from /proc/kallsyms, as root with kptr_restrict=0)
between markers, then prints /proc/version each time a line arrives on the
serial console.  The same for Debian's arm64 kernel (linux-image-arm64:arm64,
busybox-static:arm64, dpkg's arm64 architecture added where missing), for
qemu-system-aarch64 -M virt.

    scripts/linux_guest.py DIR            -> DIR/vmlinuz, DIR/initrd.cpio
    scripts/linux_guest.py --arm64 DIR    -> DIR/Image, DIR/initrd.cpio
"""
import glob
import os
import subprocess
import sys
import tempfile

SYMBOLS = ["_text", "linux_proc_banner", "page_offset_base", "init_task"]
# Debian's arm64 kernel has no KALLSYMS_ALL: /proc/kallsyms lists text only.
ARM64_SYMBOLS = ["_stext", "schedule"]

# Every guest's init starts so: busybox, /proc, and the symbols the tests
# need between markers; then its own loop over console lines.
INIT_HEAD = """#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
echo 0 > /proc/sys/kernel/kptr_restrict
echo WP-SYMS-BEGIN
grep -E ' (%s)$' /proc/kallsyms
echo WP-SYMS-END
"""

LOOP = """while read line; do
  echo "WP-VERSION: $(cat /proc/version)"
done
"""
INIT = INIT_HEAD % "|".join(SYMBOLS) + LOOP
ARM64_INIT = INIT_HEAD % "|".join(ARM64_SYMBOLS) + LOOP


def newc(entries):
    """A cpio archive in the kernel's newc format: (name, mode, data, rdev)."""
    out = bytearray()
    for ino, (name, mode, data, rdev) in enumerate(entries + [("TRAILER!!!", 0, b"", (0, 0))]):
        name_b = name.encode() + b"\0"
        fields = [ino + 1, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0]
        out += b"070701" + b"".join(b"%08x" % f for f in fields) + name_b
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def download(names, directory):
    cmd = ["apt-get", "download"] + names
    if subprocess.run(cmd, cwd=directory, capture_output=True).returncode != 0:
        if os.geteuid() != 0:
            sys.exit("cannot apt-get download %s; run 'sudo apt-get update' first" % names)
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run(cmd, cwd=directory, check=True, capture_output=True)


def add_architecture(arch):
    """dpkg's foreign architecture ARCH, so that apt-get downloads its packages."""
    foreign = subprocess.run(["dpkg", "--print-foreign-architectures"], check=True,
                             capture_output=True, text=True).stdout.split()
    if arch in foreign:
        return
    if os.geteuid() != 0:
        sys.exit("apt knows no %s packages; run 'sudo dpkg --add-architecture %s && "
                 "sudo apt-get update' first" % (arch, arch))
    subprocess.run(["dpkg", "--add-architecture", arch], check=True)
    subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)


def kernel_package(arch="amd64"):
    """The versioned package the metapackage linux-image-ARCH depends on."""
    meta = "linux-image-%s" % arch + ("" if arch == "amd64" else ":" + arch)
    deps = subprocess.run(["apt-cache", "depends", meta], capture_output=True, text=True).stdout
    for line in deps.splitlines():
        if "Depends:" in line and "linux-image-" in line:
            return line.split()[-1]
    sys.exit("apt-cache knows no %s; run 'apt-get update'" % meta)


def fetch(packages, patterns):
    """The contents of one file per glob pattern, from Debian packages
    fetched with `apt-get download` and unpacked with `dpkg -x`."""
    with tempfile.TemporaryDirectory(prefix="wp-linux-") as work:
        download(packages, work)
        root = os.path.join(work, "root")
        for deb in glob.glob(os.path.join(work, "*.deb")):
            subprocess.run(["dpkg", "-x", deb, root], check=True)
        found = []
        for pattern in patterns:
            with open(sorted(glob.glob(os.path.join(root, pattern)))[-1], "rb") as f:
                found.append(f.read())
        return found


def initramfs(busybox, init):
    """A busybox initramfs whose /init is the given script."""
    return newc([("bin", 0o40755, b"", (0, 0)), ("proc", 0o40755, b"", (0, 0)),
                 ("dev", 0o40755, b"", (0, 0)), ("dev/console", 0o20600, b"", (5, 1)),
                 ("bin/busybox", 0o100755, busybox, (0, 0)),
                 ("init", 0o100755, init.encode(), (0, 0))])


def write_file(path, data):
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def build(out_dir):
    vmlinuz, initrd = os.path.join(out_dir, "vmlinuz"), os.path.join(out_dir, "initrd.cpio")
    busybox_path = os.path.join(out_dir, "busybox")
    if all(os.path.exists(p) for p in (vmlinuz, initrd, busybox_path)):
        return vmlinuz, initrd
    os.makedirs(out_dir, exist_ok=True)
    kernel_bytes, busybox = fetch([kernel_package(), "busybox-static"],
                                  ["boot/vmlinuz-*", "bin/busybox"])
    write_file(initrd, initramfs(busybox, INIT))
    write_file(busybox_path, busybox)   # for guests with an init of their own
    write_file(vmlinuz, kernel_bytes)
    return vmlinuz, initrd


def build_arm64(out_dir):
    """Debian's arm64 kernel (an uncompressed Image, booted by QEMU's -kernel)
    and a busybox initramfs whose init prints ARM64_SYMBOLS: DIR/Image,
    DIR/initrd.cpio."""
    image, initrd = os.path.join(out_dir, "Image"), os.path.join(out_dir, "initrd.cpio")
    if os.path.exists(image) and os.path.exists(initrd):
        return image, initrd
    os.makedirs(out_dir, exist_ok=True)
    add_architecture("arm64")
    kernel_bytes, busybox = fetch([kernel_package("arm64"), "busybox-static:arm64"],
                                  ["boot/vmlinuz-*", "bin/busybox"])
    write_file(initrd, initramfs(busybox, ARM64_INIT))
    write_file(image, kernel_bytes)
    return image, initrd


def build_with_init(out_dir, name, init):
    """The same kernel with an initramfs of its own /init (DIR/NAME)."""
    vmlinuz, _ = build(out_dir)
    path = os.path.join(out_dir, name)
    with open(os.path.join(out_dir, "busybox"), "rb") as f:
        write_file(path, initramfs(f.read(), init))
    return vmlinuz, path


if __name__ == "__main__":
    args = sys.argv[1:]
    arm64 = args[:1] == ["--arm64"]
    if arm64:
        print("\n".join(build_arm64(args[1] if len(args) > 1 else "build/linux-guest-arm64")))
    else:
        print("\n".join(build(args[0] if args else "build/linux-guest")))
