#!/usr/bin/env bash
# Runs every test of Duet on a fresh Debian 12 machine: installs what is missing, checks format and
# lints, builds once, then runs the whole workspace's tests (unit, golden, property, end-to-end,
# the desktop app's page and GUI tests under Xvfb, the browser interop test).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh"
source "$root/scripts/env.sh"

step() { printf '\n==> %s\n' "$*"; }

step "prune stale workspace artifacts from the shared target directory"
"$root/scripts/prune-target.sh"

step "format"
cargo fmt --all -- --check

step "page: typecheck and unit tests (ui/, vitest)"
(cd "$root/ui" && npm run --silent typecheck && npm test --silent)

step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build"
cargo build --workspace --all-targets --locked

step "test"
# The end-to-end tests spawn the built duet-server and duet-cli binaries from this target dir.
cargo test --workspace --locked
