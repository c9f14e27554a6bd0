#!/bin/sh
# Installs the siteport agent on macOS as the launchd daemon org.siteport.agent.
# Usage (as root, in the folder holding siteport-agent built on a Mac by npm run package:agent-sea
# and org.siteport.agent.plist):
#   sudo sh install-agent.sh SMSMP=mp1.example.org SMSSITECODE=PS1 SMSCAFINGERPRINT=<from the server banner>
#   sudo sh install-agent.sh --uninstall     (the state, with the client's key, is kept)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lib=/usr/local/lib/siteport
state="/Library/Application Support/siteport-agent"
plist=/Library/LaunchDaemons/org.siteport.agent.plist

if [ "$(id -u)" -ne 0 ]; then
  echo "install-agent.sh: run it as root (sudo)" >&2
  exit 2
fi
if [ "${1:-}" = --uninstall ]; then
  launchctl bootout system "$plist" 2>/dev/null || true
  rm -f "$plist" "$lib/siteport-agent"
  echo "siteport agent removed; $state is kept"
  exit 0
fi
if [ $# -eq 0 ]; then
  echo "install-agent.sh: give the installation properties, e.g. SMSMP=mp1.example.org SMSSITECODE=PS1" >&2
  exit 2
fi

install -d -m 0755 "$lib"
install -m 0755 "$here/siteport-agent" "$lib/siteport-agent"
install -d -m 0700 "$state"
"$lib/siteport-agent" setup --state "$state" "$@"
install -m 0644 -o root -g wheel "$here/org.siteport.agent.plist" "$plist"
launchctl bootout system "$plist" 2>/dev/null || true
launchctl bootstrap system "$plist"
echo "siteport agent running; status: $lib/siteport-agent client status --state \"$state\""
