#!/bin/sh
# The container image's file tree: siteport's app tree (scripts/package/app-tree.sh, no Node.js:
# the image's base has it) plus the entrypoint. deploy/container/Dockerfile runs this script and
# copies DEST into the image; e2e/package-container.test.ts runs it into a temp dir.
# Usage: sh scripts/package/container-tree.sh DEST
set -eu
dest=${1:?usage: container-tree.sh DEST}
repo=$(cd "$(dirname "$0")/../.." && pwd)
sh "$repo/scripts/package/app-tree.sh" "$dest"
install -D -m 0755 "$repo/deploy/container/entrypoint.sh" "$dest/usr/bin/siteport-entrypoint"
