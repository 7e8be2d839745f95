#!/usr/bin/env python3
"""A Linux kernel with kgdb for the kgdb route's tests, built from Debian's
linux-source-6.1: tinyconfig plus what a serial console, an initramfs shell
and kgdb over the serial port need, with KASLR (the kernel's base and its
direct map randomised; boot with `nokaslr` for neither).  About 2-4 minutes
on 2 cores; nothing is kept outside DIR, so a fresh machine builds it anew.

The initramfs (busybox-static) prints the kernel's `_text` from
/proc/kallsyms between markers (its KASLR offset) and then, for each line
"kgdb" on the console, enters kgdb with sysrq-g; after the debugger leaves,
it echoes "WP-BACK".

    scripts/kgdb_kernel.py DIR    -> DIR/bzImage, DIR/vmlinux, DIR/initrd.cpio
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import linux_guest  # noqa: E402

SOURCE = "/usr/src/linux-source-6.1.tar.xz"
OPTIONS = ["64BIT", "TTY", "VT", "VT_CONSOLE", "SERIAL_8250", "SERIAL_8250_CONSOLE", "PRINTK",
           "BLK_DEV_INITRD", "BINFMT_ELF", "BINFMT_SCRIPT", "PROC_FS", "KALLSYMS", "DEBUG_KERNEL", "KGDB",
           "KGDB_SERIAL_CONSOLE", "MAGIC_SYSRQ", "RELOCATABLE", "RANDOMIZE_BASE",
           "RANDOMIZE_MEMORY", "MULTIUSER"]

INIT = linux_guest.INIT_HEAD % "_text" + """while read line; do
  case "$line" in
    kgdb) echo g > /proc/sysrq-trigger; echo WP-BACK ;;
  esac
done
"""


def build(out_dir):
    outputs = [os.path.join(out_dir, n) for n in ("bzImage", "vmlinux", "initrd.cpio")]
    if all(os.path.exists(p) for p in outputs):
        return outputs
    if not os.path.exists(SOURCE):
        sys.exit("%s is missing; install it with: sudo apt-get install -y linux-source-6.1"
                 % SOURCE)
    os.makedirs(out_dir, exist_ok=True)
    src = os.path.join(out_dir, "src")
    if not os.path.isdir(os.path.join(src, "kernel")):
        shutil.rmtree(src, ignore_errors=True)
        os.makedirs(src)
        subprocess.run(["tar", "xf", SOURCE, "-C", src, "--strip-components=1"], check=True)
    make = ["make", "-C", src, "-s", "-j%d" % (os.cpu_count() or 2)]
    subprocess.run(make + ["tinyconfig"], check=True, capture_output=True)
    config = [os.path.join(src, "scripts", "config"), "--file", os.path.join(src, ".config")]
    for opt in OPTIONS:
        config += ["-e", opt]
    subprocess.run(config, check=True)
    subprocess.run(make + ["olddefconfig"], check=True, capture_output=True)
    with open(os.path.join(src, ".config")) as f:
        have = f.read()
    missing = [o for o in OPTIONS if "CONFIG_%s=y" % o not in have]
    if missing:
        sys.exit("kernel config lacks %s" % missing)
    subprocess.run(make + ["bzImage"], check=True)
    busybox, = linux_guest.fetch(["busybox-static"], ["bin/busybox"])
    linux_guest.write_file(outputs[2], linux_guest.initramfs(busybox, INIT))
    shutil.copy(os.path.join(src, "vmlinux"), outputs[1])
    shutil.copy(os.path.join(src, "arch", "x86", "boot", "bzImage"), outputs[0])
    return outputs


if __name__ == "__main__":
    print("\n".join(build(sys.argv[1] if len(sys.argv) > 1 else "build/kgdb-kernel")))
