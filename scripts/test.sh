#!/usr/bin/env bash
# Runs every test of Duet on a fresh Debian 12 machine: installs what is missing (the build's and the
# test stack: scripts/setup.sh), checks format and lints, builds once (a build scripts/run.sh
# then reuses), then runs the whole workspace's tests (unit, golden, property, end-to-end,
# the desktop app's page and GUI tests under Xvfb, the browser interop test).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh" run
source "$root/scripts/env.sh"

step() { printf '\n==> %s\n' "$*"; }

# The test stack (Chromium, WebKitWebDriver, PulseAudio, PostgreSQL, coturn..., playwright-core,
# tauri-driver) is needed only by the tests themselves, and none of it by the build. On a fresh
# machine the installs before the first compile took about 16 minutes (2026-12-06), most of them
# this stack's packages, so it installs in the background while the code is checked, linted and
# built, and the tests wait for it. Its output goes to a log, shown when it fails. An early exit
# still waits for it: apt killed halfway leaves dpkg half-configured.
stack_log="$(mktemp)"
"$root/scripts/setup.sh" test-stack >"$stack_log" 2>&1 &
stack_pid=$!
trap 'wait "$stack_pid" 2>/dev/null || true; rm -f "$stack_log"' EXIT
wait_for_test_stack() {
  local status=0
  wait "$stack_pid" || status=$?
  cat "$stack_log"
  if [ "$status" -ne 0 ]; then
    echo "scripts/setup.sh test-stack failed (exit $status); its output is above" >&2
    exit 1
  fi
}

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

step "test stack (installed in the background since the start)"
wait_for_test_stack

step "page and interop client on Node.js 18.19 (Debian 12's), from the npm registry"
"$root/scripts/check-node18.sh"

step "test"
# The end-to-end tests spawn the built duet-server and duet-cli binaries from this target dir.
cargo test --workspace --locked
