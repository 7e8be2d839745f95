#!/usr/bin/env bash
# Runs a command (as root) where /usr, /etc and /var are private overlays:
# what it installs with apt-get is seen by it and its children alone, and is
# gone when it ends.  For running tests/package on a machine where other
# GDB and LLDB runs go on; ./run-tests installs for real.
#   tests/package/sandbox.sh /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/package
set -euo pipefail
dir=$(mktemp -d /tmp/wp-sandbox-XXXXXX)
trap 'rm -rf "$dir"' EXIT
unshare --mount --propagation private bash -c '
  set -e
  for d in usr etc var; do
    mkdir -p "$0/$d.upper" "$0/$d.work"
    mount -t overlay overlay -o "lowerdir=/$d,upperdir=$0/$d.upper,workdir=$0/$d.work" "/$d"
  done
  exec "$@"' "$dir" "$@"
