#!/usr/bin/env bash
# Installs the Debian packages writephys needs to build and test, when run as
# root; otherwise prints the exact install line and fails.
set -euo pipefail

# libclang-rt-14-dev holds libFuzzer; clang only recommends it.  The kgdb
# tests build a kernel from linux-source-6.1 (make, flex, bison, bc,
# libelf-dev for objtool); the openocd tests run the real openocd.
PACKAGES=(cmake ninja-build pkgconf gcc g++ clang clang-format libclang-rt-14-dev libcunit1-dev valgrind
          python3 python3-pytest
          gdb gdb-multiarch lldb liblldb-dev
          qemu-system-x86 qemu-system-arm qemu-system-misc
          openocd pciutils libpci3 pci.ids libpci-dev
          linux-source-6.1 make flex bison bc libelf-dev xz-utils binutils)
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
if [ ${#missing[@]} -eq 0 ]; then
  dap_client
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "writephys needs these Debian packages; install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
dap_client
