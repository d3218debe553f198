package protocol

import (
	"context"
	"time"
)

type requestIDKey struct{}
type hostInfoKey struct{}
type pluginKey struct{}
type writeTimeoutKey struct{}

// WithRequestID returns ctx carrying the host's id for the request.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithHostInfo returns ctx carrying the facts of the configuration that
// serves the request.
func WithHostInfo(ctx context.Context, info HostInfo) context.Context {
	return context.WithValue(ctx, hostInfoKey{}, info)
}

// HostInfoFrom returns the HostInfo ctx carries, or the zero value.
func HostInfoFrom(ctx context.Context) HostInfo {
	info, _ := ctx.Value(hostInfoKey{}).(HostInfo)
	return info
}

// WithPlugin returns ctx naming the plugin a host-side request is for, so
// bridge errors can name it.
func WithPlugin(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, pluginKey{}, id)
}

func pluginFrom(ctx context.Context) string {
	id, _ := ctx.Value(pluginKey{}).(string)
	return id
}

// WithWriteTimeout returns ctx carrying the server's write timeout, which
// the bridge grants a streamed response again after every flush.
func WithWriteTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, writeTimeoutKey{}, d)
}

func writeTimeoutFrom(ctx context.Context) time.Duration {
	d, _ := ctx.Value(writeTimeoutKey{}).(time.Duration)
	return d
}
