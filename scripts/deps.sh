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
# The DAP layer's test runs Microsoft's DAP test client under node (Debian's
# nodejs and npm, unless a node and npm are there already).
command -v node >/dev/null && command -v npm >/dev/null || PACKAGES+=(nodejs npm)

# That client, at the version tests/dapclient/package-lock.json pins, into
# tests/dapclient/node_modules (git-ignored).
dap_client() {
  local dir
  dir="$(dirname "$0")/../tests/dapclient"
  [ -d "$dir/node_modules/@vscode/debugadapter-testsupport" ] && return 0
  command -v npm >/dev/null || return 0
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The arm64 Linux-guest test fetches Debian's arm64 kernel and busybox with
# `apt-get download` (nothing of arm64 is installed): apt needs the arch.
arm64=1
dpkg --print-foreign-architectures | grep -qx arm64 || arm64=0
if [ ${#missing[@]} -eq 0 ] && [ $arm64 -eq 1 ]; then
  dap_client
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "writephys needs these Debian packages and apt's arm64 architecture; run:" >&2
  [ $arm64 -eq 1 ] || echo "  sudo dpkg --add-architecture arm64 && sudo apt-get update" >&2
  [ ${#missing[@]} -eq 0 ] || echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
[ $arm64 -eq 1 ] || { echo "Adding apt's arm64 architecture"; dpkg --add-architecture arm64; }
apt-get update -q >/dev/null
if [ ${#missing[@]} -eq 0 ]; then
  dap_client
  exit 0
fi
echo "Installing: ${missing[*]}"
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
dap_client
