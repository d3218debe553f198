#!/bin/sh
# layout.sh DEST
#
# Builds what the container image holds into DEST (the image's
# /opt/coderhost): static binaries of the daemon and of every first-party
# plugin (plugins/<id>/), the shipped scripts, the demo catalog and the
# default config.hcl with each plugin's sha256 pinned, then validates that
# config by launching the plugins it names. Run it from anywhere inside the
# repository; the Dockerfile runs it in its build stage.
#
# Environment: GO (default go), VERSION (default: git describe, else dev).
set -eu

if [ $# -ne 1 ]; then
	echo "usage: layout.sh DEST" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$1"
dest=$(cd "$1" && pwd)
GO=${GO:-go}
VERSION=${VERSION:-$(git -C "$root" describe --tags --always --dirty 2>/dev/null || echo dev)}

# Static binaries: the image has no C library, and a build path in a
# binary would change its sha256 from one checkout to the next. The time
# zone database is built in (timetzdata): the demo deployment's schedules
# name zones, and a base image need not ship /usr/share/zoneinfo.
export CGO_ENABLED=0
cd "$root"
mkdir -p "$dest/bin/plugins"
"$GO" build -trimpath -tags timetzdata -ldflags "-s -w -X github.com/coderhost/coderhost/host/internal/cli.Version=$VERSION" \
	-o "$dest/bin/coderhost" ./host
for main in plugins/*/main.go; do
	[ -f "$main" ] || continue
	id=$(basename "$(dirname "$main")")
	"$GO" build -trimpath -tags timetzdata -ldflags "-s -w" -o "$dest/bin/plugins/coderhost-plugin-$id" "./plugins/$id"
done

# The shipped scripts with their type declarations and sample inputs, so
# `coderhost script test` works in the container; the demo catalog the
# default config reads.
rm -rf "$dest/scripts"
cp -R scripts "$dest/scripts"
mkdir -p "$dest/examples/catalog"
cp examples/catalog/*.yaml "$dest/examples/catalog/"
cp "$here/config.hcl" "$dest/config.hcl"

"$here/pin-plugins.sh" "$dest/config.hcl"
"$dest/bin/coderhost" validate "$dest/config.hcl"

# Read-only for everyone but root: the image runs as a non-root user.
chmod -R a+rX,go-w "$dest"
