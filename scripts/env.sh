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
