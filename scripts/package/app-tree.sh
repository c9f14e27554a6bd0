#!/bin/sh
# Assembles siteport's installed file tree under DEST, the one layout every package uses:
#   DEST/usr/lib/siteport/   the workspaces' sources (no tests), the built console and agent bundle,
#                            production node_modules
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
# The CLI compiled ahead of time (build:cli, decision 0099; npm ci and npm test build it). It is
# built here only when missing: rebuilding swaps apps/cli/dist under CLI processes that may be
# running from it. tar keeps the sources' times, so the installed wrapper runs the build while it
# is current and the sources through tsx otherwise, as in the repository.
if [ ! -f apps/cli/dist/build.json ] && node -e "process.exit(require('./package.json').scripts?.['build:cli'] ? 0 : 1)"; then
  npm run --silent build:cli >&2
fi

# The offline agent bundle push installation uploads (npm ci and npm test build it into
# apps/agent/dist, which goes in with the agent's workspace below): built here when missing, as
# the installed tree has no esbuild to build it with.
version=$(node -p "require('./package.json').version")
if [ ! -f "apps/agent/dist/siteport-agent-$version.tar.gz" ]; then
  node --import tsx scripts/build-agent-bundle.ts --quiet >&2
fi

# Workspace sources, without tests: the CLI runs them through tsx (decision 0001).
for ws in packages/protocol packages/db packages/wol packages/fs-atomic packages/backoff packages/session-crypto apps/server apps/agent apps/cli; do
  tar -cf - --exclude='*.test.ts' --exclude='./test' -C "$ws" . | (mkdir -p "$lib/$ws" && tar -xf - -C "$lib/$ws")
done
mkdir -p "$lib/apps/console"
cp apps/console/package.json "$lib/apps/console/"
cp -R apps/console/dist "$lib/apps/console/dist"
cp package.json "$lib/package.json"
[ -f LICENSE ] && cp LICENSE "$lib/LICENSE"

# Production dependencies only, as npm resolves them from the lockfile (offline: it reads node_modules).
# Workspace links (node_modules/@siteport/*, node_modules/siteport) stay relative links into the
# tree; a nested node_modules comes with the package that holds it.
npm ls --omit=dev --all --parseable --prefix "$repo" | sed -n "s|^$repo/||p" | grep '^node_modules/' | sort -u | while read -r pkg; do
  mkdir -p "$lib/$(dirname "$pkg")"
  if [ -L "$pkg" ]; then
    cp -P "$pkg" "$lib/$pkg"
  elif [ ! -e "$lib/$pkg" ]; then
    cp -RH "$pkg" "$lib/$pkg"
  fi
done
rm -rf "$lib/node_modules/.bin"
# Native addons need only their built .node file at run time: no compiler objects, and the
# shared objects are not executables.
find "$lib/node_modules" -type d \( -name obj.target -o -name obj -o -name .deps \) -path '*/build/*' -prune -exec rm -rf {} +
find "$lib/node_modules" -type f -name '*.node' -exec chmod 0644 {} +
bs="$lib/node_modules/better-sqlite3"
if [ -d "$bs/build/Release" ]; then
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
# Everything is world-readable and writable only by its owner.
chmod -R u+rwX,go+rX,go-w "$lib"
