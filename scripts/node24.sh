#!/usr/bin/env bash
# Prepares a second Node next to the machine's: Node 24 from the npm registry (the `node`
# package ships the binary) and a copy of this tree with its own node_modules and dist, run
# with it. CI runs the suite there; `npm run bench` measures there too when it exists. Prints
# the copy's path. Idempotent: reuses what is up to date.
#   scripts/node24.sh            → .node24/tree (Node from .node24/npm)
# Env: NODE24_VERSION (default 24), NODE24_DIR (default .node24).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dir=${NODE24_DIR:-$root/.node24}
version=${NODE24_VERSION:-24}
mkdir -p "$dir"
bin="$dir/npm/node_modules/node/bin/node"
if [ ! -x "$bin" ] || [ "$("$bin" -p 'process.versions.node.split(".")[0]')" != "${version%%.*}" ]; then
  echo "node24: installing node@$version from the npm registry" >&2
  npm install --prefix "$dir/npm" "node@$version" --no-audit --no-fund --loglevel=error >&2
fi
tree="$dir/tree"
mkdir -p "$tree"
# The tree's files as they are now (tracked and new, not ignored); its node_modules is kept.
find "$tree" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -C "$tree" -xf -
export PATH="$(dirname "$bin"):$PATH"
stamp="$tree/node_modules/.node24-stamp"
# Rebuilt when the Node or the locked dependencies change (not for edits to the root package).
want="$("$bin" --version) $(node -e "const l=require('./package-lock.json'); delete l.packages['']; process.stdout.write(JSON.stringify(l.packages))" | sha256sum | cut -c1-64)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # No install scripts: on Node 22+ the SQLite driver is better-sqlite3 13, whose Node-API
  # addons ship prebuilt (src/adapters/store/sqlite-driver.ts); 12's addon (Node 20's) is
  # left unbuilt, so anything still loading it here fails loudly. esbuild finds its binary
  # package without its install script.
  echo "node24: npm ci for $("$bin" --version)" >&2
  (cd "$tree" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2 && npm run build --silent >&2)
  echo "$want" > "$stamp"
else
  (cd "$tree" && npm run build --silent >&2)
fi
echo "$tree"
