#!/usr/bin/env bash
# Make PostgreSQL server binaries (initdb, pg_ctl, postgres) available for the runtime tests.
# The tests start their own throwaway server; nothing here starts or configures a service.
set -euo pipefail
have_server() {
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null) ; do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && return 0
  done
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1
}
if have_server; then exit 0; fi
echo "PostgreSQL server binaries not found: installing them" >&2
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
elif command -v brew >/dev/null 2>&1; then
  brew install postgresql@15
else
  echo "Install the PostgreSQL server (initdb, pg_ctl) with your package manager" >&2
  exit 1
fi
have_server
