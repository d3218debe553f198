// Package image tests the container image that the repository's Dockerfile
// builds, without a container engine: deploy/image/layout.sh (the
// Dockerfile's build stage) lays out /opt/coderhost, and the tests run it as
// the image would run, read-only and as a non-root user. pin-plugins.sh,
// which writes each plugin binary's sha256 into the image's config, is
// tested on its own.
package image
