#!/usr/bin/env bash
# Installs Debian's postgresql package when no PostgreSQL server binaries are
# present (test/real/realcoder runs its own server from them). Only the
# binaries are wanted: unless the machine already asked for one, no default
# cluster is created, so none is started as a service.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-postgres: PostgreSQL is missing: run apt-get install -y postgresql as root" >&2
  exit 1
fi
echo "install-postgres: installing Debian's postgresql package" >&2
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
