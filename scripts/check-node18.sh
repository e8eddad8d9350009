#!/usr/bin/env bash
# Checks that the page (ui/) and the browser interop client (interop/) work with the Node.js and
# npm that Debian 12 packages (nodejs 18.19.0, npm 9.2.0), which is what scripts/setup.sh installs
# on a fresh Debian 12 machine and what ui/package.json's engines field promises: npm ci, the
# typecheck, the unit tests (vitest) and the production build (vite) of the page, then
# playwright-core driving headless Chromium.
# Both come from the npm registry (packages node-linux-<arch> and npm) into a cache outside the
# clone, fetched once. The page is copied there too, so the clone's ui/node_modules (installed by
# the machine's own npm) and ui/dist are left alone; its npm ci reruns only when the lock changes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_version=18.19.0
npm_version=9.2.0
cache="${DUET_NODE18_CACHE:-$HOME/.cache/duet/node-$node_version}"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "check-node18: no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac

# Unpacks registry package $1 into $cache/$2, unless it is already there (an interrupted fetch
# leaves only its scratch directory, removed here).
fetch() {
  [ -f "$cache/$2/package.json" ] && return
  mkdir -p "$cache"
  rm -rf "$cache"/fetch.*
  local tmp
  tmp="$(mktemp -d "$cache/fetch.XXXXXX")"
  echo "check-node18: fetching $1 from the npm registry into $cache/$2"
  (cd "$tmp" && npm pack --silent "$1" >/dev/null && tar xzf ./*.tgz)
  rm -rf "${cache:?}/$2"
  mv "$tmp/package" "$cache/$2"
  rm -rf "$tmp"
}
fetch "node-linux-$arch@$node_version" node
fetch "npm@$npm_version" npm

# Node 18 first on PATH, so that every `#!/usr/bin/env node` below (npm's scripts, tsc, vite,
# vitest and their workers, esbuild's install script) runs on it.
export PATH="$cache/node/bin:$PATH"
npm18() { node "$cache/npm/bin/npm-cli.js" --no-audit --no-fund --no-update-notifier "$@"; }
have="$(node --version)"
if [ "$have" != "v$node_version" ]; then
  echo "check-node18: expected node v$node_version from $cache/node, got $have" >&2
  exit 1
fi
echo "check-node18: node $have, npm $(npm18 --version)"

# The page's sources, refreshed on every run; node_modules is kept between runs.
work="$cache/ui"
mkdir -p "$work"
find "$work" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name .installed-lock -exec rm -rf {} +
(cd "$root/ui" && tar cf - --exclude=./node_modules --exclude=./dist .) | (cd "$work" && tar xf -)
# The page's tests read the windows' capabilities from ../src-tauri (ui/test/capabilities.test.ts).
rm -rf "$cache/src-tauri"
mkdir -p "$cache/src-tauri"
cp -r "$root/src-tauri/capabilities" "$cache/src-tauri/"
cd "$work"
if ! cmp -s package-lock.json .installed-lock || [ ! -d node_modules ]; then
  rm -f .installed-lock
  # --engine-strict: a package (or ui/ itself) that does not declare Node 18.19 fails here, even if
  # it happens to run (Vite 7 builds on Node 18 but supports only 20.19+).
  npm18 ci --engine-strict
  cp package-lock.json .installed-lock
fi
npm18 run --silent typecheck
npm18 test --silent
npm18 run --silent build >/dev/null
test -f dist/index.html
echo "check-node18: ui/ typecheck, unit tests and build pass on Node $have"

# interop/run.js's own code, then playwright-core (from the clone's interop/node_modules, installed
# by scripts/setup.sh test) launching headless Chromium and reading a page.
node --check "$root/interop/run.js"
(cd "$root/interop" && timeout 60 node -e '
const { chromium } = require("playwright-core");
(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.DUET_CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"], // as run.js: the tests run as root, without a GPU
  });
  const page = await browser.newPage();
  await page.setContent("<p>node 18</p>");
  const text = await page.textContent("p");
  await browser.close();
  if (text !== "node 18") throw new Error(`read ${text}`);
})().catch((e) => { console.error(e); process.exit(1); });')
echo "check-node18: interop/'s playwright-core drives Chromium on Node $have"
