#!/usr/bin/env bash
# Installs what Duet needs on Debian 12, idempotently: safe to run again, installs only what is
# missing. Two modes:
#   setup.sh run    what building and running Duet needs (scripts/run.sh): the apt packages in
#                   scripts/apt-packages.txt, meson and abseil for the echo canceller
#                   (install-apm-deps.sh), Node.js and npm, the Rust toolchain (rustup), ui/'s
#                   npm packages, and the page's build (ui/dist).
#   setup.sh test   all of the above plus the test stack (scripts/test.sh): the apt packages in
#                   scripts/apt-packages-test.txt (Xvfb, openbox, WebKitWebDriver, Chromium,
#                   PulseAudio, the network lab's tools, PostgreSQL), interop/'s npm packages
#                   (playwright-core) and tauri-driver (cargo install).
#   setup.sh test-stack   the test stack alone, for a machine that already ran `setup.sh run`:
#                   scripts/test.sh installs it in the background while it lints and builds.
# A user's desktop gets no test stack: no Chromium, Xvfb, WebDriver or PulseAudio daemon next to
# its PipeWire. (The Python packages in scripts/pip-requirements.txt are for the OpenCV baseline of
# the beauty benchmark only.)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mode="${1:-run}"
case "$mode" in
  run) lists=("$here/apt-packages.txt") ;;
  test) lists=("$here/apt-packages.txt" "$here/apt-packages-test.txt") ;;
  test-stack) lists=("$here/apt-packages-test.txt") ;;
  *) echo "usage: $0 [run|test|test-stack]" >&2; exit 2 ;;
esac

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    sudo_if_needed apt-get update -qq
    apt_updated=1
  fi
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

wanted=$(cat "${lists[@]}" | grep -vE '^\s*(#|$)' | awk '{print $1}')
missing=()
for pkg in $wanted; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}"
  apt_install "${missing[@]}"
fi

# duet-media's echo canceller (webrtc-audio-processing 2.x) builds with a newer meson and abseil
# than Debian 12 has.
if [ "$mode" != test-stack ]; then
  "$here/install-apm-deps.sh"
fi

# Node.js and npm build the page (and, for the tests, run the browser interop client). Debian 12's
# own packages (nodejs 18.19, npm 9.2) are enough and are installed only when node or npm is
# missing, so a newer Node already on PATH (NodeSource, nvm) is kept; NodeSource's nodejs brings
# its own npm, which Debian's npm package would conflict with.
command -v node >/dev/null || { echo "setup: installing Node.js (Debian's nodejs)"; apt_install nodejs; }
command -v npm >/dev/null || { echo "setup: installing npm (Debian's npm)"; apt_install npm; }
# The page's toolchain says which Node it supports in ui/package.json's engines field, written as
# alternatives of ^X.Y.Z or >=X.Y.Z.
node_range=$(sed -n 's/^ *"node": "\(.*\)",\{0,1\}$/\1/p' "$here/../ui/package.json" | head -1)
if ! node - "$node_range" <<'JS'
const range = process.argv[2];
const have = process.versions.node.split(".").map(Number);
const ok = range.split("||").some((alternative) => {
  const m = alternative.trim().match(/^(\^|>=)(\d+)\.(\d+)\.(\d+)$/);
  if (!m) throw new Error(`setup: cannot read "${alternative}" in ui/package.json's engines.node`);
  const want = [m[2], m[3], m[4]].map(Number);
  const order = have[0] - want[0] || have[1] - want[1] || have[2] - want[2];
  return order >= 0 && (m[1] === ">=" || have[0] === want[0]);
});
process.exit(ok ? 0 : 1);
JS
then
  echo "setup: Node.js $(node --version) ($(command -v node)) is not one ui/package.json's engines field accepts ($node_range)." >&2
  echo "setup: Debian 12's nodejs package (18.19, after apt-get update) is; so is any Node 20 or 22+." >&2
  echo "setup: install one of those first (or put it first on PATH), then run this again." >&2
  exit 1
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

if [ "$mode" != run ]; then
  # The browser interop client's Node packages (playwright-core), installed from
  # interop/package-lock.json when node_modules is missing or older than the lock file.
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
fi

# The desktop app's page (installs ui/'s npm packages first): src-tauri embeds ui/dist when it
# compiles, so every cargo build of the workspace needs it. (`test-stack` runs beside a build
# that already has it.)
if [ "$mode" != test-stack ]; then
  "$here/build-ui.sh"
fi
