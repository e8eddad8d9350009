#!/usr/bin/env bash
# What building webrtc-audio-processing 2.x (AEC3) from the crate's bundled sources needs beyond
# Debian 12's packages, idempotently (called by scripts/setup.sh; duet-media's echo canceller):
# - meson >= 1.1 (Debian 12 has 1.0): from PyPI into its own virtualenv, /opt/duet-meson, linked
#   as /usr/local/bin/meson when no meson >= 1.1 is on PATH;
# - abseil >= 20240722 (Debian 12 has 20220623): Debian 13's source tarball, checked against its
#   SHA-256, built with CMake into /usr/local as static libraries with pkg-config files, where
#   the crate's build finds it (meson would otherwise download it from GitHub at every clean build).
# cmake, ninja-build and python3-venv come from scripts/apt-packages.txt.
set -euo pipefail
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

for tool in cmake ninja; do
  command -v "$tool" >/dev/null || { echo "install-apm-deps: $tool is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done

meson_ok() {
  local version
  version=$(meson --version 2>/dev/null) || return 1
  [ "$(printf '1.1.0\n%s\n' "$version" | sort -V | head -1)" = 1.1.0 ]
}
meson_dir=/opt/duet-meson
if ! meson_ok; then
  if ! "$meson_dir/bin/meson" --version >/dev/null 2>&1; then
    echo "install-apm-deps: meson 1.5.2 from PyPI into $meson_dir"
    sudo_if_needed /usr/bin/python3 -m venv "$meson_dir"
    sudo_if_needed "$meson_dir/bin/pip" install -q "meson==1.5.2"
  fi
  sudo_if_needed ln -sf "$meson_dir/bin/meson" /usr/local/bin/meson
  hash -r
  meson_ok || { echo "install-apm-deps: meson >= 1.1 is still not the first on PATH ($(command -v meson))" >&2; exit 1; }
fi

absl_version=20240722.0
absl_sha256=df6d1f5ef540725f3851201176a60486aab332410788465c9877910bb471c34a
if ! pkg-config --atleast-version=20240722 absl_base 2>/dev/null; then
  echo "install-apm-deps: abseil $absl_version from Debian's source into /usr/local (about a minute)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  curl -fsSL "http://deb.debian.org/debian/pool/main/a/abseil/abseil_$absl_version.orig.tar.gz" -o "$work/absl.tgz"
  echo "$absl_sha256  $work/absl.tgz" | sha256sum -c --quiet
  tar xzf "$work/absl.tgz" -C "$work"
  cmake -S "$work/abseil-$absl_version" -B "$work/build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DCMAKE_CXX_STANDARD=17 \
    -DABSL_PROPAGATE_CXX_STD=ON -DBUILD_TESTING=OFF -DCMAKE_INSTALL_PREFIX=/usr/local \
    -DCMAKE_INSTALL_LIBDIR=lib >/dev/null
  cmake --build "$work/build" -j "$(nproc)" >/dev/null
  sudo_if_needed cmake --install "$work/build" >/dev/null
fi
