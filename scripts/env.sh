# Sourced by the scripts: one shared build directory outside the clone so CI runs and
# fresh clones on the same machine reuse what was built before.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/duet/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
