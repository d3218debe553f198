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
	"time"

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

// ServeHTTP carries r to the plugin and writes the plugin's answer to w as
// it arrives: the plugin's flushes reach the client, so event streams work.
// The request id and plugin id come from r's context (WithRequestID,
// WithPlugin). Bodies over the client's limit get a 413; a plugin that
// cannot be reached gets a 503; a plugin that runs out of time gets a 504.
// A response the plugin breaks off after it started is cut off, so the
// client does not take it for a whole one.
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
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stream, err := c.rpc.ServeHTTP(ctx, req)
	if err != nil {
		writeCallError(w, r.Context(), pluginFrom(r.Context()), err)
		return
	}
	head, err := stream.Recv()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = status.Error(codes.Internal, "the plugin ended the response before sending it")
		}
		writeCallError(w, r.Context(), pluginFrom(r.Context()), err)
		return
	}
	fromHeaders(w.Header(), head.GetHeaders())
	code := int(head.GetStatus())
	if code < 100 || code > 999 {
		code = http.StatusOK
	}
	w.WriteHeader(code)
	rc := http.NewResponseController(w)
	for part := head; ; {
		if r.Method != http.MethodHead && len(part.GetBody()) > 0 {
			if _, err := w.Write(part.GetBody()); err != nil {
				return // the client went away; cancel stops the plugin's handler
			}
		}
		if part.GetFlush() {
			if d := writeTimeoutFrom(r.Context()); d > 0 {
				_ = rc.SetWriteDeadline(time.Now().Add(d))
			}
			_ = rc.Flush()
		}
		part, err = stream.Recv()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			if r.Context().Err() == nil {
				panic(http.ErrAbortHandler)
			}
			return
		}
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
	default:
		WriteError(w, http.StatusBadGateway, subject+" failed to handle the request.", st.Message())
	}
}

// chunkSize is how much response body the plugin side buffers before it
// sends a part without being asked to flush.
const chunkSize = 32 << 10

// serveHTTP runs req through h on the plugin side and sends the response as
// it is written: one part for an ordinary response, more when the handler
// flushes or writes more than chunkSize. stripPrefix is removed from the
// path so handlers see paths relative to their mount point. maxBody bounds
// the request body accepted.
func serveHTTP(ctx context.Context, h http.Handler, req *pluginv1.HTTPRequest, stripPrefix string, maxBody int64,
	send func(*pluginv1.HTTPResponse) error) (err error) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	if int64(len(req.GetBody())) > maxBody {
		return send(errorResponse(http.StatusRequestEntityTooLarge,
			fmt.Sprintf("Request body is larger than the plugin's limit of %d bytes.", maxBody), ""))
	}
	r, msg, detail := buildRequest(ctx, req, stripPrefix)
	if r == nil {
		return send(errorResponse(http.StatusBadRequest, msg, detail))
	}
	sw := &streamWriter{header: make(http.Header), send: send}
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p != http.ErrAbortHandler {
			_, _ = fmt.Fprintf(panicOutput, "panic serving %s %s: %v\n%s", req.GetMethod(), req.GetPath(), p, debug.Stack())
		}
		if sw.sent {
			// Too late for an error page: break the stream off.
			err = status.Errorf(codes.Aborted, "the plugin's handler stopped mid-response: %v", p)
			return
		}
		if p == http.ErrAbortHandler {
			err = send(errorResponse(http.StatusBadGateway, "The plugin aborted the request.", ""))
			return
		}
		err = send(errorResponse(http.StatusInternalServerError, "The plugin failed while handling the request.",
			fmt.Sprintf("panic: %v", p)))
	}()
	h.ServeHTTP(sw, r)
	return sw.finish()
}

// buildRequest turns the wire request into the http.Request a handler sees,
// or says why it cannot.
func buildRequest(ctx context.Context, req *pluginv1.HTTPRequest, stripPrefix string) (*http.Request, string, string) {
	escaped := req.GetPath()
	if escaped == "" {
		escaped = "/"
	}
	u := &url.URL{RawQuery: req.GetRawQuery()}
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, "Malformed request path.", err.Error()
	}
	u.Path, u.RawPath = p, escaped
	if u.RawPath == u.Path {
		u.RawPath = ""
	}
	if stripPrefix != "" {
		prefix := strings.TrimSuffix(stripPrefix, "/")
		if trimmed, ok := strings.CutPrefix(u.Path, prefix); ok {
			if !strings.HasPrefix(trimmed, "/") {
				trimmed = "/" + trimmed
			}
			if u.RawPath != "" {
				raw := strings.TrimPrefix(u.RawPath, prefix)
				if !strings.HasPrefix(raw, "/") {
					raw = "/" + raw
				}
				u.RawPath = raw
			}
			u.Path = trimmed
		}
	}
	body := req.GetBody()
	r, err := http.NewRequestWithContext(ctx, req.GetMethod(), "/", bytes.NewReader(body))
	if err != nil {
		return nil, "Malformed request.", err.Error()
	}
	r.URL = u
	r.RequestURI = u.RequestURI()
	r.Host = req.GetHost()
	r.RemoteAddr = req.GetRemoteAddr()
	r.ContentLength = int64(len(body))
	if len(body) == 0 {
		r.Body = http.NoBody
	}
	fromHeaders(r.Header, req.GetHeaders())
	if id := req.GetRequestId(); id != "" {
		r.Header.Set("X-Request-Id", id)
	}
	if req.GetScheme() == "https" {
		// The plugin never terminates TLS; the scheme travels in
		// X-Forwarded-Proto.
		r.Header.Set("X-Forwarded-Proto", "https")
	}
	return r, "", ""
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

// streamWriter is the http.ResponseWriter of a handler on the plugin side.
// It buffers up to chunkSize and sends a part when full, when the handler
// flushes, and when it returns.
type streamWriter struct {
	header http.Header
	status int
	buf    []byte
	sent   bool // the status and headers are on their way
	send   func(*pluginv1.HTTPResponse) error
	err    error
}

func (w *streamWriter) Header() http.Header { return w.header }

func (w *streamWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *streamWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.buf = append(w.buf, p...)
	if len(w.buf) >= chunkSize {
		w.sendPart(false)
	}
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// Flush sends what the handler wrote so far, and tells the host to flush it
// to the client.
func (w *streamWriter) Flush() {
	if w.err != nil {
		return
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.sendPart(true)
}

// FlushError is Flush for http.ResponseController, reporting a client that
// went away.
func (w *streamWriter) FlushError() error {
	w.Flush()
	return w.err
}

func (w *streamWriter) sendPart(flush bool) {
	part := &pluginv1.HTTPResponse{Body: w.buf, Flush: flush}
	w.buf = nil
	if !w.sent {
		if w.status == 0 {
			w.status = http.StatusOK
		}
		if w.header.Get("Content-Type") == "" && len(part.Body) > 0 {
			w.header.Set("Content-Type", http.DetectContentType(part.Body))
		}
		part.Status, part.Headers = int32(w.status), toHeaders(w.header)
		w.sent = true
	}
	if err := w.send(part); err != nil {
		w.err = fmt.Errorf("send the response to the host: %w", err)
	}
}

// finish sends whatever the handler left: the whole response when it never
// flushed.
func (w *streamWriter) finish() error {
	if w.err == nil && (!w.sent || len(w.buf) > 0) {
		w.sendPart(false)
	}
	return w.err
}
