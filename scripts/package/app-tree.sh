#!/bin/sh
# Assembles siteport's installed file tree under DEST, the one layout every package uses:
#   DEST/usr/lib/siteport/   the workspaces' sources (no tests), the built console, production node_modules
#   DEST/usr/bin/siteport    a wrapper that runs the CLI with the Node.js next to it, else `node` on PATH
# With --with-node, the Node.js binary running npm (or $SITEPORT_NODE) is copied to
# DEST/usr/lib/siteport/node/bin/node: the Debian package ships it, the container image has its own.
# Usage: sh scripts/package/app-tree.sh DEST [--with-node]   (run from anywhere; needs `npm ci` done)
set -eu

dest=${1:?usage: app-tree.sh DEST [--with-node]}
with_node=${2:-}
repo=$(cd "$(dirname "$0")/../.." && pwd)
lib="$dest/usr/lib/siteport"

if [ ! -d "$repo/node_modules" ]; then
  echo "app-tree.sh: $repo/node_modules is missing; run npm ci first" >&2
  exit 1
fi
if [ ! -f "$repo/apps/console/dist/index.html" ]; then
  echo "app-tree.sh: the console is not built; run npm run build:console first" >&2
  exit 1
fi

mkdir -p "$lib" "$dest/usr/bin"
cd "$repo"
# Where the CLI can be compiled ahead of time (build:cli), ship the build; tar keeps the sources'
# times, so the wrapper sees the build as current.
if node -e "process.exit(require('./package.json').scripts?.['build:cli'] ? 0 : 1)" && [ ! -f apps/cli/dist/build.json ]; then
  npm run --silent build:cli
fi

# Workspace sources, without tests: the CLI runs them through tsx (decision 0001).
for ws in packages/protocol packages/db apps/server apps/agent apps/cli; do
  tar -cf - --exclude='*.test.ts' --exclude='./test' -C "$ws" . | (mkdir -p "$lib/$ws" && tar -xf - -C "$lib/$ws")
done
mkdir -p "$lib/apps/console"
cp apps/console/package.json "$lib/apps/console/"
cp -R apps/console/dist "$lib/apps/console/dist"
cp package.json "$lib/package.json"
[ -f LICENSE ] && cp LICENSE "$lib/LICENSE"

# Production dependencies only, as npm resolves them from the lockfile (offline: it reads node_modules).
# Workspace links are made again; a nested node_modules comes with the package that holds it.
npm ls --omit=dev --all --parseable --prefix "$repo" | sed -n "s|^$repo/||p" | grep '^node_modules/' | sort -u | while read -r pkg; do
  case "$pkg" in
    node_modules/@siteport/*) continue ;;
  esac
  mkdir -p "$lib/$(dirname "$pkg")"
  [ -e "$lib/$pkg" ] || cp -RH "$pkg" "$lib/$pkg"
done
mkdir -p "$lib/node_modules/@siteport"
ln -sfn ../../apps/agent "$lib/node_modules/@siteport/agent"
ln -sfn ../../apps/console "$lib/node_modules/@siteport/console"
ln -sfn ../../apps/server "$lib/node_modules/@siteport/server"
ln -sfn ../../packages/db "$lib/node_modules/@siteport/db"
ln -sfn ../../packages/protocol "$lib/node_modules/@siteport/protocol"
rm -rf "$lib/node_modules/.bin"
# The native SQLite addon is all better-sqlite3 needs at run time; its sources and objects are not.
bs="$lib/node_modules/better-sqlite3"
if [ -d "$bs/build" ]; then
  rm -rf "$bs/deps" "$bs/src"
  find "$bs/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
  find "$bs/build/Release" -mindepth 1 -maxdepth 1 ! -name better_sqlite3.node -exec rm -rf {} +
fi

if [ "$with_node" = "--with-node" ]; then
  node_bin=${SITEPORT_NODE:-$(command -v node)}
  mkdir -p "$lib/node/bin"
  cp "$node_bin" "$lib/node/bin/node"
  chmod 0755 "$lib/node/bin/node"
fi

cat >"$dest/usr/bin/siteport" <<'WRAPPER'
#!/bin/sh
# siteport: runs the siteport CLI installed in ../lib/siteport next to this file.
self=$(readlink -f "$0")
lib=$(dirname "$(dirname "$self")")/lib/siteport
node=$lib/node/bin/node
if [ ! -x "$node" ]; then
  node=$(command -v node) || { echo "siteport: Node.js 20 is needed and was not found" >&2; exit 127; }
fi
exec "$node" "$lib/apps/cli/bin/siteport.js" "$@"
WRAPPER
chmod 0755 "$dest/usr/bin/siteport"
# Files are world-readable; only the wrapper, node and native addons are executable.
chmod -R u+rwX,go+rX,go-w "$lib"
