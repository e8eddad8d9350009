#!/usr/bin/env bash
# Builds the desktop app's page (ui/ -> ui/dist), which the Tauri crate (src-tauri) embeds at compile
# time, so it must exist before any `cargo build` of the workspace. Installs ui/'s npm packages when
# node_modules is missing or older than the lock file. Idempotent and quick (a few seconds).
set -euo pipefail
ui="$(cd "$(dirname "${BASH_SOURCE[0]}")/../ui" && pwd)"
cd "$ui"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing ui/ Node packages (npm ci)"
  npm ci --no-audit --no-fund
fi
npm run --silent build >/dev/null
