#!/bin/sh
# Builds the Debian packages into OUT_DIR (default dist/deb):
#   siteport_<version>_<arch>.deb        the site server: /usr/lib/siteport (app tree and its own Node.js),
#                                        /usr/bin/siteport, /etc/siteport/server.toml (conffile), systemd units
#   siteport-agent_<version>_<arch>.deb  the agent as one executable: /usr/lib/siteport/agent/siteport-agent,
#                                        /usr/bin/siteport-agent, its systemd unit
# The file tree is scripts/package/app-tree.sh's; the units are deploy/systemd's with the installed paths.
# Environment: SITEPORT_AGENT_SEA (an already built single-executable agent; else it is built),
# SITEPORT_DEB_REVISION (default 1), SITEPORT_DEB_COMPRESSION (dpkg-deb -Z: xz, the default, gzip, zstd)
# SITEPORT_DEB_LEVEL (dpkg-deb -z) and SITEPORT_DEB_MAINTAINER.
# Usage: sh scripts/package/build-debs.sh [OUT_DIR]     (npm run package:deb)
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mkdir -p "${1:-$repo/dist/deb}" && cd "${1:-$repo/dist/deb}" && pwd)
version="$(node -p "require('$repo/package.json').version")-${SITEPORT_DEB_REVISION:-1}"
arch=$(dpkg --print-architecture)
maintainer=${SITEPORT_DEB_MAINTAINER:-siteport contributors <siteport@localhost>}
# The last commit's time, so that the same sources give the same changelog.
date=$(git -C "$repo" log -1 --format=%aD 2>/dev/null || date -R)
compression="-Z${SITEPORT_DEB_COMPRESSION:-xz}"
level=${SITEPORT_DEB_LEVEL:+-z$SITEPORT_DEB_LEVEL}
work=$(mktemp -d "${TMPDIR:-/tmp}/siteport-deb-XXXXXX")
trap 'rm -rf "$work"' EXIT

# A unit from deploy/systemd with the packaged paths: /usr/bin/siteport instead of a repository checkout.
unit() {
  {
    echo "# Installed by the $2 package (docs/packaging.md). Local changes: systemctl edit $(basename "$3")"
    sed -e '1,/^\[Unit\]/{/^#/d}' \
      -e 's|/usr/bin/node /opt/siteport/apps/cli/bin/siteport.js|/usr/bin/siteport|' \
      -e 's|^WorkingDirectory=/opt/siteport$|WorkingDirectory=/var/lib/siteport|' \
      "$1"
  } >"$3"
  chmod 0644 "$3"
}

control() {
  root=$1 package=$2
  size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@MAINTAINER@/$maintainer/" \
    "$repo/deploy/debian/$package/control" >"$root/DEBIAN/control"
  for script in postinst prerm postrm; do
    install -m 0755 "$repo/deploy/debian/$package/$script" "$root/DEBIAN/$script"
  done
  [ -f "$repo/deploy/debian/$package/conffiles" ] && install -m 0644 "$repo/deploy/debian/$package/conffiles" "$root/DEBIAN/conffiles"
  (cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
  chmod 0644 "$root/DEBIAN/md5sums" "$root/DEBIAN/control"
}

doc() {
  install -D -m 0644 "$repo/deploy/debian/copyright" "$1/usr/share/doc/$2/copyright"
  sed -e "s/@PACKAGE@/$2/" -e "s/@VERSION@/$version/" -e "s/@MAINTAINER@/$maintainer/" -e "s/@DATE@/$date/" \
    "$repo/deploy/debian/changelog" | gzip -9n >"$1/usr/share/doc/$2/changelog.Debian.gz"
  chmod 0644 "$1/usr/share/doc/$2/changelog.Debian.gz"
}

# --- siteport (server) ---
server="$work/siteport"
sh "$repo/scripts/package/app-tree.sh" "$server" --with-node
mkdir -p "$server/DEBIAN" "$server/lib/systemd/system"
install -D -m 0644 "$repo/deploy/config/server.toml" "$server/etc/siteport/server.toml"
unit "$repo/deploy/systemd/siteport-server.service" siteport "$server/lib/systemd/system/siteport-server.service"
unit "$repo/deploy/systemd/siteport-mp@.service" siteport "$server/lib/systemd/system/siteport-mp@.service"
doc "$server" siteport
control "$server" server
fakeroot_opt="--root-owner-group"
dpkg-deb $fakeroot_opt "$compression" $level --build "$server" "$out/siteport_${version}_${arch}.deb" >/dev/null

# --- siteport-agent ---
agent="$work/siteport-agent"
sea=${SITEPORT_AGENT_SEA:-}
if [ -z "$sea" ]; then
  node --import tsx "$repo/scripts/package/build-agent-sea.ts" --out "$work/sea" >/dev/null
  sea="$work/sea/siteport-agent"
fi
install -D -m 0755 "$sea" "$agent/usr/lib/siteport/agent/siteport-agent"
mkdir -p "$agent/usr/bin" "$agent/DEBIAN" "$agent/lib/systemd/system"
ln -s ../lib/siteport/agent/siteport-agent "$agent/usr/bin/siteport-agent"
sed -e 's|/usr/bin/node /opt/siteport/apps/cli/bin/siteport.js agent|/usr/bin/siteport-agent agent|' \
  -e '/^WorkingDirectory=/d' "$repo/deploy/systemd/siteport-agent.service" >"$work/agent.service"
unit "$work/agent.service" siteport-agent "$agent/lib/systemd/system/siteport-agent.service"
doc "$agent" siteport-agent
control "$agent" agent
dpkg-deb $fakeroot_opt "$compression" $level --build "$agent" "$out/siteport-agent_${version}_${arch}.deb" >/dev/null

echo "$out/siteport_${version}_${arch}.deb"
echo "$out/siteport-agent_${version}_${arch}.deb"
