package protocol

import "context"

type requestIDKey struct{}
type hostInfoKey struct{}
type pluginKey struct{}

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
