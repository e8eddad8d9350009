#!/usr/bin/env bash
# Keeps the shared target directory from filling the disk. Cargo never deletes old artifacts, and
# the workspace's own crates get new hashes for every change and every clone path, so each
# fresh-clone test run used to add a full set (60 GB of debug/deps filled the machine twice).
# For each of the workspace's crates and test targets, this keeps the artifacts of its newest
# KEEP hashes (default 6: the lib, test and feature variants of the current checkout and a few
# recent ones) and deletes the rest. Dependencies are left alone; incremental data is dropped
# under CI, which never reuses it. Safe at any time: anything deleted is rebuilt when needed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/env.sh"
keep="${KEEP:-6}"

# Crate and target names as they appear in file names (dashes become underscores).
names() {
  {
    sed -n 's/^name = "\(.*\)"/\1/p' "$root"/crates/*/Cargo.toml "$root"/src-tauri/Cargo.toml \
      "$root"/tests/Cargo.toml
    find "$root"/crates "$root"/tests "$root"/src-tauri -path '*/node_modules' -prune -o \
      \( -path '*/tests/*.rs' -o -path '*/benches/*.rs' -o -path '*/examples/*.rs' \) -print \
      | xargs -r -n1 basename | sed 's/\.rs$//'
    echo duet
  } | tr - _ | sort -u
}

removed=0
for deps in "$CARGO_TARGET_DIR"/{debug,release}/deps; do
  [ -d "$deps" ] || continue
  for name in $(names); do
    # Hashes of this name's artifacts, newest first.
    # A build running beside this one creates and renames temporary files: find may miss some.
    hashes=$({ find "$deps" -maxdepth 1 -type f \( -name "$name-*" -o -name "lib$name-*" \) \
      -printf '%T@ %f\n' 2>/dev/null || true; } | sort -rn \
      | sed -nE "s/^[^ ]+ (lib)?$name-([0-9a-f]{16})(\..*)?$/\2/p" | awk '!seen[$0]++')
    for hash in $(printf '%s\n' "$hashes" | tail -n +"$((keep + 1))"); do
      removed=$((removed + $({ find "$deps" -maxdepth 1 -type f \
        \( -name "$name-$hash*" -o -name "lib$name-$hash*" \) -print -delete 2>/dev/null \
        || true; } | wc -l)))
    done
  done
done
if [ -n "${CI:-}" ]; then
  rm -rf "$CARGO_TARGET_DIR"/{debug,release}/incremental
fi
echo "prune-target: removed $removed stale workspace artifacts; $(du -sh "$CARGO_TARGET_DIR" | cut -f1) left in $CARGO_TARGET_DIR"
