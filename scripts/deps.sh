#!/usr/bin/env bash
# Installs the Debian packages writephys needs to build and test, when run as
# root; otherwise prints the exact install line and fails.
set -euo pipefail

# libclang-rt-14-dev holds libFuzzer; clang only recommends it.  The kgdb
# tests build a kernel from linux-source-6.1 (make, flex, bison, bc,
# libelf-dev for objtool); the openocd tests run the real openocd.  The
# Debian packages need dpkg-dev (dpkg-shlibdeps), file and lintian.
PACKAGES=(cmake ninja-build pkgconf gcc g++ clang clang-format libclang-rt-14-dev libcunit1-dev valgrind
          python3 python3-pytest
          gdb gdb-multiarch lldb liblldb-dev
          qemu-system-x86 qemu-system-arm qemu-system-misc
          openocd pciutils libpci3 pci.ids libpci-dev
          linux-source-6.1 make flex bison bc libelf-dev xz-utils binutils
          dpkg-dev file lintian)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The arm64 Linux-guest test fetches Debian's arm64 kernel and busybox with
# `apt-get download` (nothing of arm64 is installed): apt needs the arch.
arm64=1
dpkg --print-foreign-architectures | grep -qx arm64 || arm64=0
[ ${#missing[@]} -eq 0 ] && [ $arm64 -eq 1 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "writephys needs these Debian packages and apt's arm64 architecture; run:" >&2
  [ $arm64 -eq 1 ] || echo "  sudo dpkg --add-architecture arm64 && sudo apt-get update" >&2
  [ ${#missing[@]} -eq 0 ] || echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
[ $arm64 -eq 1 ] || { echo "Adding apt's arm64 architecture"; dpkg --add-architecture arm64; }
apt-get update -q >/dev/null
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing: ${missing[*]}"
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
