#!/usr/bin/env bash
# Builds the Debian packages into build-deb/ (or $1): Debian's hardening
# flags (dpkg-buildflags), a tree configured with -DWP_DEB=ON, then CPack's
# DEB generator.  Install them with: sudo apt install ./build-deb/*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-deb}
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
eval "$(dpkg-buildflags --export=sh)"
# CMake reads CFLAGS/CXXFLAGS/LDFLAGS but not CPPFLAGS (_FORTIFY_SOURCE).
export CFLAGS="$CFLAGS $CPPFLAGS" CXXFLAGS="$CXXFLAGS $CPPFLAGS"
cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWP_DEB=ON \
      -DWP_BUILD_TESTS=OFF >/dev/null
cmake --build "$out"
rm -f "$out"/*.deb
(cd "$out" && cpack -G DEB >/dev/null)
ls "$out"/*.deb
