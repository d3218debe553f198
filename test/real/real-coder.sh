#!/usr/bin/env bash
# `make real-coder` and `make test-real`: a real Coder v2.30 on this machine.
#
#   test/real/real-coder.sh                 # start, print CODER_URL and tokens, serve until Ctrl-C
#   test/real/real-coder.sh -- CMD ARGS...  # start, run CMD with the deployment in its environment, stop
#
# Installs Debian's postgresql package when no PostgreSQL server is present,
# builds (or reuses the cached) Coder binary, then runs test/real/realcoder,
# which starts PostgreSQL and `coder server` on 127.0.0.1, seeds them, and
# stops both at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "real-coder: PostgreSQL is missing: sudo apt-get install -y postgresql" >&2
    exit 1
  fi
  echo "real-coder: installing Debian's postgresql package" >&2
  # Only the server binaries are needed: no default cluster is created (and
  # so none is started as a service) unless the machine already asked for one.
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

bin=$(test/real/build-coder.sh)
go build -o bin/realcoder ./test/real/realcoder
exec bin/realcoder -coder-bin "$bin" "$@"
