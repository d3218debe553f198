package protocol

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/coderhost/coderhost/internal/pluginv1"
)

// Every conversion between internal/pluginv1 and the Go types lives in this
// file: to* functions build wire values, from* functions read them.

func toDescription(d Description) *pluginv1.DescribeResponse {
	return &pluginv1.DescribeResponse{
		Id:           d.ID,
		Version:      d.Version,
		Summary:      d.Summary,
		Capabilities: d.Capabilities,
		ConfigSchema: toSchema(d.ConfigSchema),
		Features:     []string{FeatureRequestBodyStream},
	}
}

func fromDescription(d *pluginv1.DescribeResponse) Description {
	return Description{
		ID:           d.GetId(),
		Version:      d.GetVersion(),
		Summary:      d.GetSummary(),
		Capabilities: d.GetCapabilities(),
		ConfigSchema: fromSchema(d.GetConfigSchema()),
	}
}

func toSchema(s Schema) *pluginv1.Schema {
	out := &pluginv1.Schema{}
	for _, a := range s.Attributes {
		out.Attributes = append(out.Attributes, &pluginv1.Attribute{
			Name: a.Name, Type: string(a.Type), Required: a.Required, Sensitive: a.Sensitive, Description: a.Description,
		})
	}
	for _, b := range s.Blocks {
		out.Blocks = append(out.Blocks, &pluginv1.Block{
			Name: b.Name, Nesting: string(b.Nesting), Required: b.Required, Description: b.Description,
			Label: b.Label, Schema: toSchema(b.Schema),
		})
	}
	return out
}

func fromSchema(s *pluginv1.Schema) Schema {
	var out Schema
	if s == nil {
		return out
	}
	for _, a := range s.Attributes {
		out.Attributes = append(out.Attributes, Attribute{
			Name: a.Name, Type: AttrType(a.Type), Required: a.Required, Sensitive: a.Sensitive, Description: a.Description,
		})
	}
	for _, b := range s.Blocks {
		out.Blocks = append(out.Blocks, Block{
			Name: b.Name, Nesting: Nesting(b.Nesting), Required: b.Required, Description: b.Description,
			Label: b.Label, Schema: fromSchema(b.Schema),
		})
	}
	return out
}

func toHostInfo(h HostInfo) *pluginv1.HostInfo {
	return &pluginv1.HostInfo{
		ExternalUrl:         h.ExternalURL,
		CoderUrl:            h.CoderURL,
		BackstageAppUrl:     h.BackstageAppURL,
		BackstageBackendUrl: h.BackstageBackendURL,
		HostVersion:         h.HostVersion,
		MountPath:           h.MountPath,
	}
}

func fromHostInfo(h *pluginv1.HostInfo) HostInfo {
	return HostInfo{
		ExternalURL:         h.GetExternalUrl(),
		CoderURL:            h.GetCoderUrl(),
		BackstageAppURL:     h.GetBackstageAppUrl(),
		BackstageBackendURL: h.GetBackstageBackendUrl(),
		HostVersion:         h.GetHostVersion(),
		MountPath:           h.GetMountPath(),
	}
}

func toHealth(h Health) *pluginv1.HealthResponse {
	st := pluginv1.HealthResponse_STATUS_ERROR
	switch h.Status {
	case HealthOK:
		st = pluginv1.HealthResponse_STATUS_OK
	case HealthDegraded:
		st = pluginv1.HealthResponse_STATUS_DEGRADED
	}
	return &pluginv1.HealthResponse{Status: st, Message: h.Message}
}

func fromHealth(h *pluginv1.HealthResponse) Health {
	switch h.GetStatus() {
	case pluginv1.HealthResponse_STATUS_OK:
		return Health{Status: HealthOK, Message: h.GetMessage()}
	case pluginv1.HealthResponse_STATUS_DEGRADED:
		return Health{Status: HealthDegraded, Message: h.GetMessage()}
	default:
		return Health{Status: HealthError, Message: h.GetMessage()}
	}
}

func toUserQuery(q UserQuery) *pluginv1.FindUsersRequest {
	return &pluginv1.FindUsersRequest{Email: q.Email, AnnotationKey: q.AnnotationKey, AnnotationValue: q.AnnotationValue}
}

func fromUserQuery(r *pluginv1.FindUsersRequest) UserQuery {
	return UserQuery{Email: r.GetEmail(), AnnotationKey: r.GetAnnotationKey(), AnnotationValue: r.GetAnnotationValue()}
}

// hopHeaders are connection-scoped and never cross the bridge (RFC 9110 §7.6.1).
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

func isHopHeader(name string, conn []string) bool {
	for _, h := range hopHeaders {
		if strings.EqualFold(name, h) {
			return true
		}
	}
	for _, c := range conn {
		for f := range strings.SplitSeq(c, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return true
			}
		}
	}
	return false
}

func toHeaders(h http.Header) []*pluginv1.Header {
	conn := h.Values("Connection")
	out := make([]*pluginv1.Header, 0, len(h))
	for name, values := range h {
		if isHopHeader(name, conn) {
			continue
		}
		out = append(out, &pluginv1.Header{Name: name, Values: values})
	}
	return out
}

func fromHeaders(dst http.Header, hs []*pluginv1.Header) {
	for _, h := range hs {
		if h == nil || isHopHeader(h.Name, nil) || strings.EqualFold(h.Name, "Content-Length") {
			continue
		}
		key := http.CanonicalHeaderKey(h.Name)
		dst[key] = append(dst[key], h.Values...)
	}
}

// errorDomain marks the ErrorInfo details this protocol defines.
const errorDomain = "coderhost"

// Reasons carried in ErrorInfo, one per sentinel error.
var reasons = []struct {
	reason string
	code   codes.Code
	err    error
}{
	{"NOT_FOUND", codes.NotFound, ErrNotFound},
	{"NO_SCRIPT", codes.NotFound, ErrNoScript},
	{"NO_RESULT", codes.NotFound, ErrNoResult},
	{"NOT_CONFIGURED", codes.FailedPrecondition, ErrNotConfigured},
}

// toStatus turns a host service or Configure error into a gRPC status that
// fromStatus can turn back into an error matching the same sentinel.
func toStatus(err error, fallback codes.Code) error {
	var se *ScriptError
	if errors.As(err, &se) {
		return withInfo(codes.Aborted, err.Error(), "SCRIPT_ERROR",
			map[string]string{"script": se.Script, "pos": se.Pos, "message": se.Message})
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return withInfo(r.code, err.Error(), r.reason, nil)
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	}
	return status.Error(fallback, err.Error())
}

func withInfo(code codes.Code, msg, reason string, md map[string]string) error {
	st := status.New(code, msg)
	if d, err := st.WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: errorDomain, Metadata: md}); err == nil {
		st = d
	}
	return st.Err()
}

// StatusError is a gRPC failure read back as a Go error. It keeps the code
// so callers can tell a rejected configuration (codes.InvalidArgument) from
// a plugin that is not reachable.
type StatusError struct {
	Code    codes.Code
	Message string
}

func (e *StatusError) Error() string { return e.Message }

// fromStatus turns an error from a gRPC call back into the error the other
// side returned: the same sentinel (errors.Is) or *ScriptError (errors.As),
// otherwise a *StatusError with the code and message.
func fromStatus(err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	for _, d := range st.Details() {
		info, ok := d.(*errdetails.ErrorInfo)
		if !ok || info.GetDomain() != errorDomain {
			continue
		}
		if info.GetReason() == "SCRIPT_ERROR" {
			md := info.GetMetadata()
			return &ScriptError{Script: md["script"], Pos: md["pos"], Message: md["message"]}
		}
		for _, r := range reasons {
			if info.GetReason() == r.reason {
				return fmt.Errorf("%s: %w", strings.TrimSuffix(st.Message(), ": "+r.err.Error()), r.err)
			}
		}
	}
	switch st.Code() {
	case codes.DeadlineExceeded:
		return fmt.Errorf("%s: %w", st.Message(), context.DeadlineExceeded)
	case codes.Canceled:
		return fmt.Errorf("%s: %w", st.Message(), context.Canceled)
	}
	return &StatusError{Code: st.Code(), Message: st.Message()}
}
