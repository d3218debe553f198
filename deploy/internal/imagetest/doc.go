// Package imagetest runs coderhost's container image without a container
// engine, for the tests under deploy/.
//
// Layout builds the image's /opt/coderhost with deploy/image/layout.sh, the
// script the Dockerfile's build stage runs. A Root is a directory standing
// for the container's root filesystem: that layout, plus what the base image
// (distroless/static) contributes and the files a test mounts into it
// (ConfigMaps, Secrets). Root.Run starts a command in it the way a runtime
// does: in a private mount namespace, chrooted, as a non-root user, with the
// root filesystem read-only and a fresh tmpfs on /tmp. That needs root and
// mount namespaces; tests skip with the reason where those are missing.
package imagetest
