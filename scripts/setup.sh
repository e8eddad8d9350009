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

# Rust: Debian 12's rustc (1.63) is older than the workspace's rust-version, so the toolchain
# comes from rustup, into ~/.cargo (scripts/env.sh puts it on PATH).
source "$here/env.sh"
needed_rust=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' "$here/../Cargo.toml")
if ! command -v cargo >/dev/null; then
  echo "setup: installing Rust (rustup, stable toolchain, minimal profile)"
  # rustup-init straight from static.rust-lang.org (what sh.rustup.rs's script downloads).
  init="$(mktemp -d)/rustup-init"
  curl --proto '=https' --tlsv1.2 -sSf -o "$init" \
    "https://static.rust-lang.org/rustup/dist/$(uname -m)-unknown-linux-gnu/rustup-init"
  chmod +x "$init"
  "$init" -y --no-modify-path --profile minimal --component rustfmt,clippy
  rm -rf "$(dirname "$init")"
  source "$here/env.sh"
fi
have_rust=$(rustc --version | awk '{print $2}')
if [ "$(printf '%s\n%s\n' "$needed_rust" "$have_rust" | sort -V | head -1)" != "$needed_rust" ]; then
  if command -v rustup >/dev/null; then
    echo "setup: rustc $have_rust is older than the workspace's $needed_rust; updating the stable toolchain"
    rustup update stable
  else
    echo "setup: rustc $have_rust is older than the workspace's $needed_rust and rustup is missing" >&2
    exit 1
  fi
fi

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
