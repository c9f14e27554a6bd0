#!/bin/sh
# siteport container entrypoint: the first argument is the role, the rest go to its command.
#   server  siteport server. Settings from SITEPORT_* variables (docs/configuration.md); data in
#           SITEPORT_DATA (default /var/lib/siteport). With SITEPORT_PUBLISH_CA=FILE it copies the
#           site CA certificate (public; never the key) there once the server has made it, for agents.
#   mp      siteport server --role mp: an additional management point. Needs SITEPORT_DB (PostgreSQL)
#           and a running site server, which signs its certificate; its own SITEPORT_DATA (empty is fine).
#   agent   siteport agent on SITEPORT_AGENT_STATE (default /var/lib/siteport-agent). At its first start
#           it runs siteport setup with SMSMP=$SITEPORT_AGENT_MP, SMSSITECODE=$SITEPORT_AGENT_SITE_CODE
#           (default AUTO), CCMHTTPPORT/CCMHTTPSPORT from SITEPORT_AGENT_HTTP_PORT/SITEPORT_AGENT_HTTPS_PORT
#           and SMSCAFINGERPRINT from SITEPORT_AGENT_CA_FINGERPRINT or of the certificate in
#           SITEPORT_AGENT_CA_FILE (waited for up to SITEPORT_AGENT_WAIT seconds, default 120).
#   other   run as a command (`siteport mp list`, `sh`).
set -eu

bin=$(dirname "$(readlink -f "$0")")
siteport="$bin/siteport"
role=${1:-server}
[ $# -gt 0 ] && shift

say() {
  echo "siteport-entrypoint: $*" >&2
}

# Runs "$@" as a child, passes SIGTERM/SIGINT on (for a graceful stop) and exits with its status.
supervise_child() {
  child=$1
  trap 'kill -TERM "$child" 2>/dev/null || true' TERM INT
  set +e
  while :; do
    wait "$child"
    status=$?
    kill -0 "$child" 2>/dev/null || break
  done
  exit "$status"
}

publish_ca() {
  data=$1 target=$2 child=$3
  while [ ! -s "$data/pki/ca.pem" ]; do
    kill -0 "$child" 2>/dev/null || return 0
    sleep 1
  done
  mkdir -p "$(dirname "$target")"
  cp "$data/pki/ca.pem" "$target.tmp.$$"
  chmod 0644 "$target.tmp.$$"
  mv -f "$target.tmp.$$" "$target"
  say "site CA certificate published to $target"
}

case "$role" in
  server)
    export SITEPORT_DATA="${SITEPORT_DATA:-/var/lib/siteport}"
    if [ -z "${SITEPORT_PUBLISH_CA:-}" ]; then
      exec "$siteport" server "$@"
    fi
    "$siteport" server "$@" &
    child=$!
    publish_ca "$SITEPORT_DATA" "$SITEPORT_PUBLISH_CA" "$child" &
    supervise_child "$child"
    ;;
  mp)
    export SITEPORT_DATA="${SITEPORT_DATA:-/var/lib/siteport}"
    if [ -z "${SITEPORT_DB:-}" ]; then
      say "an additional MP needs SITEPORT_DB=postgres://... (the site's PostgreSQL database)"
      exit 2
    fi
    exec "$siteport" server --role mp "$@"
    ;;
  agent)
    state=${SITEPORT_AGENT_STATE:-/var/lib/siteport-agent}
    if [ ! -f "$state/client.json" ]; then
      if [ -z "${SITEPORT_AGENT_MP:-}" ]; then
        say "the first start of an agent needs SITEPORT_AGENT_MP (the management point's host name)"
        exit 2
      fi
      fingerprint=${SITEPORT_AGENT_CA_FINGERPRINT:-}
      if [ -z "$fingerprint" ] && [ -n "${SITEPORT_AGENT_CA_FILE:-}" ]; then
        waited=0
        while [ ! -s "$SITEPORT_AGENT_CA_FILE" ]; do
          if [ "$waited" -ge "${SITEPORT_AGENT_WAIT:-120}" ]; then
            say "no site CA certificate in $SITEPORT_AGENT_CA_FILE after $waited s; is the site server up?"
            exit 1
          fi
          sleep 1
          waited=$((waited + 1))
        done
        fingerprint=$(openssl x509 -in "$SITEPORT_AGENT_CA_FILE" -noout -fingerprint -sha256 | sed 's/^.*=//; s/://g' | tr 'A-F' 'a-f')
      fi
      props="SMSMP=$SITEPORT_AGENT_MP SMSSITECODE=${SITEPORT_AGENT_SITE_CODE:-AUTO}"
      [ -n "${SITEPORT_AGENT_HTTP_PORT:-}" ] && props="$props CCMHTTPPORT=$SITEPORT_AGENT_HTTP_PORT"
      [ -n "${SITEPORT_AGENT_HTTPS_PORT:-}" ] && props="$props CCMHTTPSPORT=$SITEPORT_AGENT_HTTPS_PORT"
      [ -n "$fingerprint" ] && props="$props SMSCAFINGERPRINT=$fingerprint"
      # The properties hold no spaces (host names, codes, ports, hex): word splitting is intended.
      # shellcheck disable=SC2086
      "$siteport" setup --state "$state" $props
    fi
    exec "$siteport" agent --state "$state" "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
