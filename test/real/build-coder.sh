#!/usr/bin/env bash
# Builds the real Coder server binary from its Go module at CODER_VERSION and
# caches it under ~/.cache/coderhost/. A cached binary of the same version and
# build recipe is reused; anything else is rebuilt. Prints the binary's path
# on stdout; progress goes to stderr.
#
# The module comes from the Go module proxy (`go mod download`), is copied to
# a writable directory (the module cache is read-only) and built there with
# its own go.mod, whose replace directives rule out `go install ...@version`.
# Nothing of it enters this repository.
#
# The binary embeds Coder's static site assets (site/static: /emojis, /icon,
# the OAuth2 consent page) but not the web UI, whose build needs pnpm and the
# whole frontend toolchain; the API does not depend on it.
set -euo pipefail

CODER_VERSION="${CODER_VERSION:-v2.30.0}"
CACHE="${CODERHOST_CACHE:-$HOME/.cache/coderhost}"
# Bump when the way the binary is built changes, so caches rebuild.
RECIPE="static-assets-revision-2"
DIR="$CACHE/coder-$CODER_VERSION"
BIN="$DIR/coder"

log() { echo "build-coder: $*" >&2; }

cached() { [ -x "$BIN" ] && [ "$(cat "$DIR/recipe" 2>/dev/null)" = "$CODER_VERSION $RECIPE" ]; }

if cached; then echo "$BIN"; exit 0; fi

mkdir -p "$CACHE"
# One build at a time: a second caller waits for the first one's binary.
exec 9>"$CACHE/build-coder.lock"
flock 9
if cached; then echo "$BIN"; exit 0; fi

src="$CACHE/src/coder-$CODER_VERSION"
log "downloading github.com/coder/coder/v2@$CODER_VERSION from the Go module proxy (once)"
info=$(cd "$CACHE" && GOFLAGS=-mod=mod go mod download -json "github.com/coder/coder/v2@$CODER_VERSION")
dir=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
# The release's commit, for the version Coder reports (v2.30.0+43e67d1, as
# its own release builds do).
rev=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]\{7\}\).*$/\1/p' | head -1)
tag="${CODER_VERSION#v}${rev:++$rev}"
if [ ! -f "$src/go.mod" ]; then
  [ -n "$dir" ] && [ -f "$dir/go.mod" ] || { log "go mod download gave no module directory"; exit 1; }
  rm -rf "$src.tmp" && mkdir -p "$(dirname "$src")"
  cp -r "$dir" "$src.tmp"
  chmod -R u+w "$src.tmp"
  mv "$src.tmp" "$src"
fi

# The frontend build would copy site/static into site/out; do just that, with
# a placeholder index page, and embed it.
cp -r "$src/site/static/." "$src/site/out/"
printf '<!doctype html><title>Coder</title><p>Coder %s API server for coderhost tests (no web UI).</p>\n' \
  "$CODER_VERSION" > "$src/site/out/index.html"

log "building $CODER_VERSION ($tag; 20-30 minutes on 2 busy cores, once: cached at $BIN)"
start=$(date +%s)
mkdir -p "$DIR"
(
  cd "$src"
  # nice: the build must not starve whatever else the machine runs.
  nice -n 10 env CGO_ENABLED=0 GOFLAGS=-mod=mod go build -tags embed -trimpath \
    -ldflags "-s -w -X github.com/coder/coder/v2/buildinfo.tag=$tag" \
    -o "$BIN.tmp" ./cmd/coder
)
mv "$BIN.tmp" "$BIN"
echo "$CODER_VERSION $RECIPE" > "$DIR/recipe"
log "built in $(( $(date +%s) - start ))s"
echo "$BIN"
