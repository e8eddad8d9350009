#!/usr/bin/env bash
# Installs what Duet needs to build and test on Debian 12, idempotently: the apt packages listed in
# scripts/apt-packages.txt. Safe to run again; installs only what is missing. (The Python packages in
# scripts/pip-requirements.txt are for the OpenCV baseline of the beauty benchmark only.)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

wanted=$(grep -vE '^\s*(#|$)' "$here/apt-packages.txt" | awk '{print $1}')
missing=()
for pkg in $wanted; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null || { echo "setup: cargo not found; install Rust with rustup first" >&2; exit 1; }

# The browser interop client's Node packages (playwright-core), installed from interop/package-lock.json
# when node_modules is missing or older than the lock file.
command -v npm >/dev/null || sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm
interop="$here/../interop"
if [ ! -f "$interop/node_modules/.package-lock.json" ] || [ "$interop/package-lock.json" -nt "$interop/node_modules/.package-lock.json" ]; then
  echo "setup: installing interop/ Node packages (npm ci)"
  (cd "$interop" && npm ci --no-audit --no-fund)
fi

# The desktop app's GUI tests (tests/tests/gui_app.rs) drive it through tauri-driver. It has no
# --version flag; --help answering means it is installed.
if ! tauri-driver --help >/dev/null 2>&1 && ! "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" --help >/dev/null 2>&1; then
  echo "setup: installing tauri-driver (cargo install tauri-driver@^2 --locked)"
  cargo install tauri-driver@^2 --locked
fi

# The desktop app's page: src-tauri embeds ui/dist when it compiles.
"$here/build-ui.sh"
