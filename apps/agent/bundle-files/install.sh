#!/bin/sh
# siteport agent installer, shipped inside the offline agent bundle. Runs on the target host:
#   sh install.sh [--root DIR] [--service NAME] [--no-systemd] -- PROPERTY=VALUE ...
# It installs side by side and switches over only when setup succeeded: a failure at any step
# leaves the previous installation (if any) active and removes what it staged.
set -u
ROOT=/opt/siteport-agent
SERVICE=siteport-agent
USE_SYSTEMD=auto
while [ $# -gt 0 ]; do
  case "$1" in
    --root) ROOT=$2; shift 2 ;;
    --service) SERVICE=$2; shift 2 ;;
    --no-systemd) USE_SYSTEMD=no; shift ;;
    --) shift; break ;;
    *) echo "SITEPORT-INSTALL-FAILED: unknown installer option $1" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
STAGE="$ROOT/release.staging"
STATE_STAGE="$ROOT/state.staging"

cleanup() { rm -rf "$STAGE" "$STATE_STAGE"; }
fail() {
  echo "SITEPORT-INSTALL-FAILED: $*" >&2
  cleanup
  exit 1
}
step() { echo "SITEPORT-STEP: $*"; }

if [ "$USE_SYSTEMD" = auto ]; then
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then USE_SYSTEMD=yes; else USE_SYSTEMD=no; fi
fi

step checking
NODE=$(command -v node) || fail "node is not installed on this host; install Node.js 20 or later (the bundle needs nothing else)"
"$NODE" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null ||
  fail "Node.js 20 or later is required, found $("$NODE" --version 2>/dev/null || echo 'a node that does not run')"
(cd "$HERE" && sha256sum -c sha256sums >/dev/null 2>&1) || fail "the uploaded bundle is damaged (checksum mismatch); push again"
mkdir -p "$ROOT" || fail "cannot create $ROOT"
cleanup

step staging
cp -R "$HERE" "$STAGE" 2>/dev/null || fail "cannot copy the agent into $ROOT (disk full or read-only?)"
if [ -d "$ROOT/state" ]; then
  cp -Rp "$ROOT/state" "$STATE_STAGE" 2>/dev/null || fail "cannot copy the client state in $ROOT/state (disk full?)"
  rm -f "$STATE_STAGE/agent.pid"
fi
"$NODE" "$STAGE/siteport-agent.mjs" setup --state "$STATE_STAGE" --reregister "$@" >/dev/null 2>"$ROOT/setup.err" ||
  fail "client setup failed: $(tail -n 1 "$ROOT/setup.err")"
IDENTITY=$("$NODE" "$STAGE/siteport-agent.mjs" client identity --state "$STATE_STAGE" 2>"$ROOT/setup.err") ||
  fail "cannot read the new client identity: $(tail -n 1 "$ROOT/setup.err")"
FINGERPRINT=$(echo "$IDENTITY" | sed -n 's/.*"keyFingerprint": "\([0-9a-f]*\)".*/\1/p')
[ -n "$FINGERPRINT" ] || fail "the new client identity has no key fingerprint"

stop_agent() {
  if [ "$USE_SYSTEMD" = yes ]; then
    systemctl stop "$SERVICE" >/dev/null 2>&1 || true
  fi
  PID=$(cat "$ROOT/state/agent.pid" 2>/dev/null || true)
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    i=0
    while kill -0 "$PID" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
    kill -0 "$PID" 2>/dev/null && kill -KILL "$PID" 2>/dev/null
  fi
  return 0
}

start_agent() {
  if [ "$USE_SYSTEMD" = yes ]; then
    sed -e "s#@ROOT@#$ROOT#g" -e "s#@NODE@#$NODE#g" "$ROOT/current/siteport-agent.service" >"/etc/systemd/system/$SERVICE.service" &&
      systemctl daemon-reload && systemctl enable "$SERVICE" >/dev/null 2>&1 && systemctl restart "$SERVICE"
    return $?
  fi
  # No systemd: a detached process whose descriptors do not hold the SSH session open.
  setsid "$NODE" "$ROOT/current/siteport-agent.mjs" launch --state "$ROOT/state" >>"$ROOT/agent.log" 2>&1 </dev/null &
  i=0
  while [ $i -lt 50 ]; do
    PID=$(cat "$ROOT/state/agent.pid" 2>/dev/null || true)
    [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null && return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}

step switching
stop_agent
rm -rf "$ROOT/previous" "$ROOT/state.previous"
[ -d "$ROOT/current" ] && mv "$ROOT/current" "$ROOT/previous"
[ -d "$ROOT/state" ] && mv "$ROOT/state" "$ROOT/state.previous"
mv "$STAGE" "$ROOT/current" && mv "$STATE_STAGE" "$ROOT/state" || fail "cannot move the new installation into place"

step starting
if ! start_agent; then
  # Roll back to what ran before, so nothing half-installed stays active.
  stop_agent
  rm -rf "$ROOT/current" "$ROOT/state"
  [ -d "$ROOT/previous" ] && mv "$ROOT/previous" "$ROOT/current"
  [ -d "$ROOT/state.previous" ] && mv "$ROOT/state.previous" "$ROOT/state" && start_agent
  fail "the agent did not start: $(tail -n 1 "$ROOT/agent.log" 2>/dev/null)"
fi
rm -f "$ROOT/setup.err"
echo "SITEPORT-INSTALLED: version=$(cat "$ROOT/current/VERSION") fingerprint=$FINGERPRINT"
