# Sourced by the scripts: the Rust toolchain on PATH, and one shared build directory outside the
# clone so CI runs and fresh clones on the same machine reuse what was built before.

# rustup's toolchain, when setup.sh installed it in this session and the shell has not picked it up.
if [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ] && ! command -v cargo >/dev/null; then
    export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/duet/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# CI builds each fresh clone once: incremental compilation data is never reused there and grew
# the shared directory by ~19 GB on the project machine, until the disk filled and the linker
# died (SIGBUS). Local runs keep it for fast rebuilds.
if [ -n "${CI:-}" ]; then
    export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
fi

# The one build of what scripts/run.sh starts: the desktop app (duet), the signaling server and the
# CLI; `--server` leaves out the app. scripts/test.sh runs it right after its own workspace build to
# check that it compiles no dependency again (crates/duet-workspace-hack keeps the two builds'
# dependency features equal). Other arguments go to cargo build.
duet_build_bins() {
  local bins=(--bin duet --bin duet-server --bin duet-cli)
  if [ "${1:-}" = --server ]; then
    shift
    bins=(--bin duet-server --bin duet-cli)
  fi
  cargo build --locked "${bins[@]}" "$@"
}
