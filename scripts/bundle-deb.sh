#!/usr/bin/env bash
# Builds the desktop app's Debian package with the Tauri CLI (offline): installs what is missing,
# builds the page, then `tauri build --bundles deb` (a release build of the whole app; long on
# 2 cores). The .deb lands in ~/.cache/duet/dist-target/release/bundle/deb/ (or
# $DUET_DIST_TARGET_DIR).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh" run
source "$root/scripts/env.sh"
# A package carries no debug info. The workspace's release profile keeps line tables for the
# benchmarks' profiles, so the package is built in its own target directory with the debug info
# stripped; sharing one directory would rebuild everything each time one alternates.
export CARGO_TARGET_DIR="${DUET_DIST_TARGET_DIR:-$HOME/.cache/duet/dist-target}"
export CARGO_PROFILE_RELEASE_DEBUG=false
export CARGO_PROFILE_RELEASE_STRIP=true
# The Tauri CLI comes with ui/'s npm packages; it finds src-tauri/tauri.conf.json from the root.
"$root/ui/node_modules/.bin/tauri" build --bundles deb "$@"
ls -l "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb
