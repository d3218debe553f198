# syntax=docker/dockerfile:1
#
# coderhost container image: the daemon, the first-party plugins, the shipped
# scripts and a default config.hcl (the embedded demo deployment) whose plugin
# binaries are pinned by sha256. Static binaries, no shell, runs as a non-root
# user, and works with a read-only root filesystem given a writable /tmp
# (plugins talk to the host over Unix sockets there).
#
#   docker build -t coderhost --build-arg VERSION=$(git describe --tags --always --dirty) .
#   docker run --rm -p 7008:7008 --read-only --tmpfs /tmp coderhost
#
# deploy/image/layout.sh does the build-stage work, so the tests in
# deploy/image run exactly what this file runs without a container engine.

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    VERSION="${VERSION}" deploy/image/layout.sh /out/opt/coderhost

# distroless/static: CA certificates, tzdata, /etc/passwd with the nonroot
# user (65532) and an empty /tmp; nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /
WORKDIR /opt/coderhost
USER 65532:65532
ENV TMPDIR=/tmp
EXPOSE 7008
ENTRYPOINT ["/opt/coderhost/bin/coderhost"]
CMD ["run", "-config", "/opt/coderhost/config.hcl"]
