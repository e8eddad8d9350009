#!/usr/bin/env bash
# Builds the desktop app's Debian package with the Tauri CLI (offline): installs what is missing,
# builds the page, then `tauri build --bundles deb` (a release build of the whole app; long on
# 2 cores). The .deb lands in $CARGO_TARGET_DIR/release/bundle/deb/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh"
source "$root/scripts/env.sh"
# The Tauri CLI comes with ui/'s npm packages; it finds src-tauri/tauri.conf.json from the root.
"$root/ui/node_modules/.bin/tauri" build --bundles deb "$@"
ls -l "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb
