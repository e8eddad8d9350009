#!/usr/bin/env bash
# Runs every test of Duet on a fresh Debian 12 machine: installs what is missing (the build's and the
# test stack: scripts/setup.sh test), checks format and lints, builds once (a build scripts/run.sh
# then reuses), then runs the whole workspace's tests (unit, golden, property, end-to-end,
# the desktop app's page and GUI tests under Xvfb, the browser interop test).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh" test
source "$root/scripts/env.sh"

step() { printf '\n==> %s\n' "$*"; }

step "prune stale workspace artifacts from the shared target directory"
"$root/scripts/prune-target.sh"

step "format"
cargo fmt --all -- --check

step "page: typecheck and unit tests (ui/, vitest)"
(cd "$root/ui" && npm run --silent typecheck && npm test --silent)

step "page and interop client on Node.js 18.19 (Debian 12's), from the npm registry"
"$root/scripts/check-node18.sh"

step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build"
cargo build --workspace --all-targets --locked

step "build: scripts/run.sh's build reuses it (compiles no dependency again)"
# Cargo enables each dependency's features per build; when the tests' dev-dependencies enable one
# that the app's build does not, every crate above it is compiled twice, once for each script
# (crates/duet-workspace-hack lists those features so that both builds have them). Registry
# dependencies print "Compiling NAME vX.Y.Z", the workspace's own crates add their path.
run_build="$(duet_build_bins -v 2>&1)" || { printf '%s\n' "$run_build"; exit 1; }
again="$(printf '%s\n' "$run_build" | sed -n 's/^ *Compiling \([^ ]* v[^ ]*\)$/\1/p')"
if [ -n "$again" ]; then
  echo "scripts/run.sh's build compiled these dependencies again after the test build; enable in" >&2
  echo "crates/duet-workspace-hack/Cargo.toml the features the tests' build gives them:" >&2
  printf '%s\n' "$again" | sed 's/^/  /' >&2
  exit 1
fi
printf '%s\n' "$run_build" | sed -n 's/^ *Compiling \(.*(.*)\)$/  rebuilt (workspace): \1/p'

step "test"
# The end-to-end tests spawn the built duet-server and duet-cli binaries from this target dir.
cargo test --workspace --locked
