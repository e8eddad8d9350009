# Sourced by the scripts: one shared build directory outside the clone so CI runs and
# fresh clones on the same machine reuse what was built before.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/duet/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# CI builds each fresh clone once: incremental compilation data is never reused there and grew
# the shared directory by ~19 GB on the project machine, until the disk filled and the linker
# died (SIGBUS). Local runs keep it for fast rebuilds.
if [ -n "${CI:-}" ]; then
    export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
fi
