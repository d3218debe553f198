package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/coderhost/coderhost/internal/pluginv1"
)

// ErrorBody is the JSON error shape used by the host and the SDK. It matches
// Coder's own error body, so the Backstage frontend plugin shows it as is.
type ErrorBody struct {
	Message string `json:"message"`
	Detail  string `json:"detail,omitempty"`
}

// WriteError writes a JSON error body with the given status.
func WriteError(w http.ResponseWriter, code int, message, detail string) {
	b, _ := json.Marshal(ErrorBody{Message: message, Detail: detail})
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// panicOutput receives panic reports from plugin handlers; stderr reaches the
// host log through go-plugin.
var panicOutput io.Writer = os.Stderr

// ServeHTTP carries r to the plugin and writes the plugin's answer to w. The
// request id and plugin id come from r's context (WithRequestID, WithPlugin).
// Bodies over the client's limit get a 413; a plugin that cannot be reached
// gets a 503; a plugin that runs out of time gets a 504.
func (c *Client) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, c.maxBody+1))
		if err != nil {
			WriteError(w, http.StatusBadRequest, "Could not read the request body.", err.Error())
			return
		}
		if int64(len(body)) > c.maxBody {
			WriteError(w, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("Request body is larger than the limit of %d bytes.", c.maxBody),
				"Send a smaller body, or raise max_body in the plugin block of the configuration.")
			return
		}
	}
	req := &pluginv1.HTTPRequest{
		Method:     r.Method,
		Path:       r.URL.EscapedPath(),
		RawQuery:   r.URL.RawQuery,
		Headers:    toHeaders(r.Header),
		Body:       body,
		RemoteAddr: r.RemoteAddr,
		RequestId:  RequestID(r.Context()),
		Host:       r.Host,
		Scheme:     scheme(r),
	}
	resp, err := c.rpc.ServeHTTP(r.Context(), req)
	if err != nil {
		writeCallError(w, r.Context(), pluginFrom(r.Context()), err)
		return
	}
	fromHeaders(w.Header(), resp.Headers)
	code := int(resp.Status)
	if code < 100 || code > 999 {
		code = http.StatusOK
	}
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(resp.Body)
	}
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

func writeCallError(w http.ResponseWriter, ctx context.Context, name string, err error) {
	st, _ := status.FromError(err)
	subject := "The plugin"
	if name != "" {
		subject = fmt.Sprintf("Plugin %q", name)
	}
	switch {
	case ctx.Err() != nil:
		// The client went away or the host's deadline passed.
		WriteError(w, http.StatusGatewayTimeout, subject+" did not answer in time.", ctx.Err().Error())
	case st.Code() == codes.Unavailable || st.Code() == codes.Canceled:
		w.Header().Set("Retry-After", "1")
		WriteError(w, http.StatusServiceUnavailable, subject+" is not available right now.",
			"coderhost restarts crashed plugins automatically; retry shortly.")
	case st.Code() == codes.DeadlineExceeded:
		WriteError(w, http.StatusGatewayTimeout, subject+" did not answer in time.", st.Message())
	case st.Code() == codes.ResourceExhausted:
		WriteError(w, http.StatusBadGateway, subject+"'s response is too large.", st.Message())
	default:
		WriteError(w, http.StatusBadGateway, subject+" failed to handle the request.", st.Message())
	}
}

// handleHTTP runs req through h on the plugin side. stripPrefix is removed
// from the path so handlers see paths relative to their mount point.
// maxBody bounds both the request body accepted and the response produced.
func handleHTTP(ctx context.Context, h http.Handler, req *pluginv1.HTTPRequest, stripPrefix string, maxBody int64) (resp *pluginv1.HTTPResponse) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	if int64(len(req.Body)) > maxBody {
		return errorResponse(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("Request body is larger than the plugin's limit of %d bytes.", maxBody), "")
	}
	escaped := req.Path
	if escaped == "" {
		escaped = "/"
	}
	u := &url.URL{RawQuery: req.RawQuery}
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return errorResponse(http.StatusBadRequest, "Malformed request path.", err.Error())
	}
	u.Path, u.RawPath = p, escaped
	if u.RawPath == u.Path {
		u.RawPath = ""
	}
	if stripPrefix != "" {
		trimmed := strings.TrimPrefix(u.Path, strings.TrimSuffix(stripPrefix, "/"))
		if len(trimmed) < len(u.Path) {
			if !strings.HasPrefix(trimmed, "/") {
				trimmed = "/" + trimmed
			}
			rawTrimmed := strings.TrimPrefix(u.RawPath, strings.TrimSuffix(stripPrefix, "/"))
			if u.RawPath != "" && !strings.HasPrefix(rawTrimmed, "/") {
				rawTrimmed = "/" + rawTrimmed
			}
			u.Path = trimmed
			if u.RawPath != "" {
				u.RawPath = rawTrimmed
			}
		}
	}
	r, err := http.NewRequestWithContext(ctx, req.Method, "/", bytes.NewReader(req.Body))
	if err != nil {
		return errorResponse(http.StatusBadRequest, "Malformed request.", err.Error())
	}
	r.URL = u
	r.RequestURI = u.RequestURI()
	r.Host = req.Host
	r.RemoteAddr = req.RemoteAddr
	r.ContentLength = int64(len(req.Body))
	if len(req.Body) == 0 {
		r.Body = http.NoBody
	}
	fromHeaders(r.Header, req.Headers)
	if req.RequestId != "" {
		r.Header.Set("X-Request-Id", req.RequestId)
	}
	if req.Scheme == "https" {
		r.TLS = nil // the plugin never terminates TLS; scheme travels in X-Forwarded-Proto
		r.Header.Set("X-Forwarded-Proto", "https")
	}

	rec := &recorder{header: make(http.Header), limit: maxBody}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				resp = errorResponse(http.StatusBadGateway, "The plugin aborted the request.", "")
				return
			}
			resp = errorResponse(http.StatusInternalServerError, "The plugin failed while handling the request.",
				fmt.Sprintf("panic: %v", p))
			_, _ = fmt.Fprintf(panicOutput, "panic serving %s %s: %v\n%s", req.Method, req.Path, p, debug.Stack())
		}
	}()
	h.ServeHTTP(rec, r)
	if rec.overflow {
		return errorResponse(http.StatusBadGateway,
			fmt.Sprintf("The plugin's response is larger than the limit of %d bytes.", maxBody), "")
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.header.Get("Content-Type") == "" && rec.body.Len() > 0 {
		rec.header.Set("Content-Type", http.DetectContentType(rec.body.Bytes()))
	}
	return &pluginv1.HTTPResponse{
		Status:  int32(rec.status),
		Headers: toHeaders(rec.header),
		Body:    rec.body.Bytes(),
	}
}

func errorResponse(code int, message, detail string) *pluginv1.HTTPResponse {
	b, _ := json.Marshal(ErrorBody{Message: message, Detail: detail})
	return &pluginv1.HTTPResponse{
		Status: int32(code),
		Headers: []*pluginv1.Header{
			{Name: "Content-Type", Values: []string{"application/json; charset=utf-8"}},
		},
		Body: append(b, '\n'),
	}
}

// recorder is a bounded http.ResponseWriter.
type recorder struct {
	header   http.Header
	status   int
	body     bytes.Buffer
	limit    int64
	overflow bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if int64(r.body.Len()+len(p)) > r.limit {
		r.overflow = true
		return 0, errors.New("response body exceeds the plugin's limit")
	}
	return r.body.Write(p)
}

// Flush is accepted for handlers that flush; the bridge answers once.
func (r *recorder) Flush() {}
