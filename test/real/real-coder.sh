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

test/real/install-postgres.sh

bin=$(test/real/build-coder.sh)
go build -o bin/realcoder ./test/real/realcoder
exec bin/realcoder -coder-bin "$bin" "$@"
