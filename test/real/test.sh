#!/usr/bin/env bash
# The body of `make test-real`, run by test/real/real-coder.sh with a real,
# seeded Coder in the environment (CODER_URL, CODER_SESSION_TOKEN, ...):
#
#   1. the Coder contract suite against the fake and against the real Coder,
#      writes included, with the count of cases each passed;
#   2. the host's end-to-end tests against the real Coder, with a real
#      Backstage backend (test/real/backstage) in front of the host (each
#      test that signs in registers its own OAuth2 app, so the deployment's
#      app variables are kept from them);
#   3. the fake-vs-real comparison of errors (test/real/fakediff).
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${CODER_URL:?run through test/real/real-coder.sh}"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "real component: Coder $REAL_CODER_VERSION at $CODER_URL"
echo "real component: $REAL_POSTGRES_VERSION"
node test/real/backstage/backend.js --versions | sed 's/^/real component: /'

pass=0 fail=0 skip=0
# n PATTERN FILE: how many tests and subtests of a go test -v log match.
n() { grep -c -- "--- $1" "$2" || true; }

status=0
run() { # run NAME LOG go test ARGS...
  local name=$1 log=$2
  shift 2
  echo "=== $name: $*"
  "$@" >"$log" 2>&1
  local rc=$?
  # Every top-level test, failed subtests, and the package verdicts.
  grep -E -- '^(--- (PASS|FAIL)|\s+--- FAIL|FAIL|ok|panic)|documented difference|requests compared' "$log" | tail -n 150
  # Each skip with its reason (the line before it).
  grep -E -B1 -- '^\s*--- SKIP' "$log" | grep -v '^--$' | tail -n 40
  if [ $rc -ne 0 ]; then
    status=1
    echo "--- $name failed; its full log:"
    cat "$log"
  fi
  local p f s
  p=$(n PASS "$log") f=$(n FAIL "$log") s=$(n SKIP "$log")
  pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
  echo "$name: $p passed, $f failed, $s skipped"
}

run "contract suite, fake" "$out/contract-fake.log" \
  env -u CODER_URL -u CODER_SESSION_TOKEN go test -count=1 -v ./sdk/codertest/contract/
# The seed's templates: docker-go for the write tests, held-start for the
# cancel test (its builds wait to be canceled); admin owns workspaces demo
# must not see.
export CODER_TEMPLATE=docker-go CODER_CANCEL_TEMPLATE=held-start CODER_OTHER_SESSION_TOKEN="$CODER_ADMIN_SESSION_TOKEN"
run "contract suite, real Coder" "$out/contract-real.log" \
  go test -count=1 -v -timeout 20m ./sdk/codertest/contract/

CODERHOST_E2E_CODER_URL="$CODER_URL" CODERHOST_E2E_CODER_TOKEN="$CODER_SESSION_TOKEN" \
CODERHOST_E2E_CODER_ADMIN_TOKEN="$CODER_ADMIN_SESSION_TOKEN" \
CODERHOST_E2E_BACKSTAGE_DIR="$PWD/test/real/backstage" \
  run "host end-to-end, real Coder and real Backstage" "$out/e2e.log" \
  env -u CODER_OAUTH_CLIENT_ID -u CODER_OAUTH_CLIENT_SECRET go test -count=1 -v -timeout 20m ./host/e2e/

run "fake vs real Coder" "$out/fakediff.log" go test -count=1 -v ./test/real/fakediff/

echo
echo "contract suite: fake $(n PASS "$out/contract-fake.log") cases passed ($(n SKIP "$out/contract-fake.log") skipped)," \
  "real Coder $(n PASS "$out/contract-real.log") cases passed ($(n SKIP "$out/contract-real.log") skipped)"
echo "test-real: $pass passed, $fail failed, $skip skipped"
exit $status
